#pragma once
// WeightsPanel: one row per registry model: its name, where its checkpoint was found (or that it is missing),
// the download URL, a "Download" button with a progress bar (WeightDownloader: bytes, total, rate; cancel),
// "Load file…" for a checkpoint of the user's own, and "Explore untrained" (an explicit choice; views then carry
// a banner). Changes go into the AppSettings it was given and are announced with settingsChanged.
// GUI thread only.

#include "ui/appsettings.h"

#include <QWidget>

#include <map>
#include <vector>

class QTableWidget;

namespace convlens {

class WeightDownloader;

class WeightsPanel : public QWidget {
    Q_OBJECT

public:
    explicit WeightsPanel(QWidget* parent = nullptr);

    void setModels(const std::vector<ModelSpec>& models, const AppSettings& settings);
    // Re-reads where each file is (after a download, a settings change).
    void refresh(const AppSettings& settings);
    const AppSettings& settings() const { return mSettings; }

    // Starts downloading `modelId`'s checkpoint, as its Download button does. False when unknown or busy.
    bool startDownload(const QString& modelId);
    bool isDownloading(const QString& modelId) const;
    // The row's status text, for tests.
    QString statusText(const QString& modelId) const;

Q_SIGNALS:
    // weightsFiles / untrainedAllowed changed, or a download finished: re-resolve this model's weights.
    void settingsChanged(const convlens::AppSettings& settings);
    void weightsChanged(const QString& modelId);
    // A download failed: the message names the file, the URL and what happened.
    void downloadFailed(const QString& modelId, const QString& message);

private:
    int rowOf(const QString& modelId) const;

    std::vector<ModelSpec> mModels;
    AppSettings mSettings;
    QTableWidget* mTable = nullptr;
    std::map<QString, WeightDownloader*> mDownloads;
};

}  // namespace convlens
