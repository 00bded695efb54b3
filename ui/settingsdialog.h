#pragma once
// SettingsDialog: edits AppSettings (threads, cache size and disk cache, top-K, tiles per layer, default
// colormap and method, weights folder, download mirror). GUI thread only.

#include "core/session/appsettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace convlens {

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    // The method combo box lists core/inspect/methodcatalogue.h.
    explicit SettingsDialog(const AppSettings& settings, QWidget* parent = nullptr);
    // The edited settings (the input's other fields unchanged).
    AppSettings settings() const;

private:
    // Puts `settings` into the fields (construction, "Restore Defaults").
    void showSettings(const AppSettings& settings);

    AppSettings mSettings;
    QSpinBox* mThreads = nullptr;
    QSpinBox* mCacheItems = nullptr;
    QCheckBox* mDiskCache = nullptr;
    QSpinBox* mTopK = nullptr;
    QSpinBox* mTiles = nullptr;
    QComboBox* mColormap = nullptr;
    QComboBox* mMethod = nullptr;
    QLineEdit* mWeightsDir = nullptr;
    QLineEdit* mMirror = nullptr;
};

}  // namespace convlens
