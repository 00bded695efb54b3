#pragma once
// SettingsDialog: edits AppSettings (threads, compute device, cache size and disk cache, top-K, tiles per layer,
// default colormap and method, weights folder, download mirror). GUI thread only.

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
    // The method combo box lists core/inspect/methodcatalogue.h; the device box `devices` (the session's
    // availableDevices()), plus the configured device marked unavailable when it is not among them.
    explicit SettingsDialog(const AppSettings& settings, const QStringList& devices = {QStringLiteral("cpu")},
                            QWidget* parent = nullptr);
    // The edited settings (the input's other fields unchanged).
    AppSettings settings() const;

private:
    // Puts `settings` into the fields (construction, "Restore Defaults").
    void showSettings(const AppSettings& settings);

    AppSettings mSettings;
    QSpinBox* mThreads = nullptr;
    QComboBox* mDevice = nullptr;
    QSpinBox* mCacheItems = nullptr;
    QCheckBox* mDiskCache = nullptr;
    QSpinBox* mTopK = nullptr;
    QSpinBox* mTiles = nullptr;
    QComboBox* mColormap = nullptr;
    QComboBox* mMethod = nullptr;
    QCheckBox* mAugSmooth = nullptr;
    QCheckBox* mEigenSmooth = nullptr;
    QSpinBox* mIgSteps = nullptr;
    QComboBox* mIgBaseline = nullptr;
    QSpinBox* mOcclusionWindow = nullptr;
    QSpinBox* mOcclusionStride = nullptr;
    QCheckBox* mRoad = nullptr;
    QLineEdit* mWeightsDir = nullptr;
    QLineEdit* mMirror = nullptr;
};

}  // namespace convlens
