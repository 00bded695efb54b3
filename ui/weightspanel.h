#pragma once
// WeightsPanel: one row per registry model: its name, where its checkpoint was found (or that it is missing),
// the download URL, a "Download" button with a progress bar (WeightDownloader: bytes, total, rate; cancel),
// "Load file…" for a checkpoint of the user's own, and "Explore untrained" (an explicit choice; views then carry
// a banner). Changes go into the AppSettings it was given (the session's, edited in place: the settings are held
// once) and are announced with weightsChanged. GUI thread only.

#include "core/session/appsettings.h"

#include <QMap>
#include <QSet>
#include <QWidget>

#include <map>
#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace convlens {

class WeightDownloader;
struct DownloadResult;

class WeightsPanel : public QWidget {
    Q_OBJECT

public:
    explicit WeightsPanel(QWidget* parent = nullptr);

    // `settings` is not owned and must outlive the panel; the panel reads and edits its weights choices.
    void setModels(const std::vector<ModelSpec>& models, AppSettings* settings);
    // Re-reads where each file is (after a download, a settings change).
    void refresh();
    const AppSettings& settings() const { return *mSettings; }

    // Starts downloading `modelId`'s checkpoint, as its Download button does. False when unknown or busy.
    bool startDownload(const QString& modelId);
    bool isDownloading(const QString& modelId) const;
    // Aborts `modelId`'s download, as its Cancel button does: no file is left and downloadFailed is not emitted.
    void cancelDownload(const QString& modelId);
    // The "Load file…" choice without the file dialog: false (and the row says why) when `path` is not a
    // readable file. A checkpoint that does not fit the architecture is found out when the analysis runs.
    bool setUserFile(const QString& modelId, const QString& path);
    // Drops the "Load file…" choice; the official weights are used again.
    void forgetUserFile(const QString& modelId);
    // "Download all": every model whose weights are missing, one download after another (so each gets the
    // bandwidth and a failure stops nothing but its own). Returns how many were queued; while they run the button
    // reads "Cancel downloads" and cancelAllDownloads() stops the one running and drops the rest.
    int downloadAllMissing();
    void cancelAllDownloads();
    QStringList queuedDownloads() const { return mQueue; }
    // The "Explore untrained" check box.
    void setUntrainedAllowed(const QString& modelId, bool allowed);
    // The row's status text, for tests.
    QString statusText(const QString& modelId) const;

Q_SIGNALS:
    // weightsFiles / untrainedAllowed changed in the settings, or a download finished: save the settings and
    // re-resolve this model's weights.
    void weightsChanged(const QString& modelId);
    // A download failed: the message names the file, the URL and what happened.
    void downloadFailed(const QString& modelId, const QString& message);

private:
    enum Column { ModelColumn, StatusColumn, SourceColumn, ActionsColumn, ColumnCount };

    int rowOf(const QString& modelId) const;
    void addRow(int row, const ModelSpec& spec);
    // Status, source and buttons of one row from mSettings and the file system.
    void updateRow(int row);
    void updateSummary();
    void chooseFile(const QString& modelId);
    void onProgress(const QString& modelId, qint64 received, qint64 total, double bytesPerSecond);
    void onFinished(const QString& modelId, const DownloadResult& result);
    void settingsEdited(const QString& modelId);
    QStringList missingModels() const;  // ids without weights that have a URL to download from
    void startNextQueued();

    std::vector<ModelSpec> mModels;
    AppSettings* mSettings = nullptr;
    QLabel* mSummary = nullptr;
    QPushButton* mDownloadAll = nullptr;
    QStringList mQueue;        // "Download all": the models still to fetch, in order
    QString mQueueRunning;     // the one of them downloading now
    QTableWidget* mTable = nullptr;
    std::map<QString, WeightDownloader*> mDownloads;
    QSet<QString> mCancelling;       // downloads the user cancelled: their failure is not an error
    QMap<QString, QString> mErrors;  // model id → the last download or "Load file…" problem, shown in its row
};

}  // namespace convlens
