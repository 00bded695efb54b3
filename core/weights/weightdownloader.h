#pragma once
// WeightDownloader: fetches a registry entry's checkpoint from its URL into the WeightStore, checking its sha256.
//
// The file is streamed into a temporary file next to its destination (the first writable folder of
// WeightStore::searchDirs(), created if needed) while its sha256 is computed; only a body whose digest matches
// the registry (the full `sha256` when given, else the hex prefix in the file name, torch.hub's convention) is
// renamed into place, atomically. A wrong hash, an HTTP error, a dropped connection (network error or fewer
// bytes than Content-Length), a disk write failure or cancel() leave no file behind, neither temporary nor
// final, and finish with a message naming the file, the URL and what happened.
//
// The URL is the registry's, or <mirror>/<file> when a mirror is set: $CONVLENS_WEIGHTS_MIRROR, else the value
// given to setMirror() (the app's settings). The system proxy is used; redirects are followed unless they go
// from https to http.
//
// Threads: a WeightDownloader lives in the thread that created it, which must run an event loop; start() returns
// at once and the signals arrive in that thread. Ownership: a QObject; parent it or own it. One download at a
// time per object. No torch here.

#include "core/common/expected.h"
#include "core/registry/modelspec.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QMetaType>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>

class QNetworkAccessManager;
class QSaveFile;

namespace convlens {

// The outcome of one download: the absolute path of the verified file, or a message saying why there is none.
struct DownloadResult {
    bool ok = false;
    QString path;   // when ok
    QString error;  // when !ok: names the file, the URL and what happened
};

class WeightDownloader : public QObject {
    Q_OBJECT
public:
    explicit WeightDownloader(QObject* parent = nullptr);
    ~WeightDownloader() override;  // aborts a running download; its temporary file is removed

    // Starts downloading `weights` (file + url, or a mirror). Emits finished() exactly once per start(), from
    // the event loop (never before start() returns), also when it fails before any network traffic (no URL, no
    // writable folder, already running).
    // The file goes to destinationDir(settingsDir).
    void start(const WeightsSpec& weights, const QString& settingsDir = {});
    // Aborts the running download; finished() reports "cancelled" and no file is left. No-op when idle.
    void cancel();
    bool isRunning() const { return mReply != nullptr; }

    // The mirror base URL from settings ("" for none). $CONVLENS_WEIGHTS_MIRROR, when set, takes precedence.
    static void setMirror(const QString& baseUrl);
    static QString mirror();
    // Where `weights` is fetched from: mirror() + "/" + file when a mirror is set, else weights.url (may be empty).
    static QUrl downloadUrl(const WeightsSpec& weights);
    // The folder downloads go to: the first of WeightStore::searchDirs(settingsDir) that exists or can be created
    // and is writable; an Error listing the folders tried otherwise.
    static Expected<QString> destinationDir(const QString& settingsDir = {});

Q_SIGNALS:
    // bytesTotal is -1 while unknown; bytesPerSecond averages since the first byte. bytesReceived never decreases.
    void progress(qint64 bytesReceived, qint64 bytesTotal, double bytesPerSecond);
    void finished(const convlens::DownloadResult& result);

private:
    void onReadyRead();
    void onFinished();
    void fail(const QString& what);
    void finish(DownloadResult result);

    QNetworkAccessManager* mNetwork = nullptr;
    QPointer<QNetworkReply> mReply;
    std::unique_ptr<QSaveFile> mFile;
    QCryptographicHash mHash{QCryptographicHash::Sha256};
    QElapsedTimer mTimer;
    WeightsSpec mWeights;
    QUrl mUrl;
    qint64 mReceived = 0;
    bool mCancelled = false;
    QString mWriteError;
};

// Checks the sha256 of the file at `path` against `weights` (the full sha256 when given, else the file name's hex
// prefix). Error: the file cannot be read, there is nothing to check against, or the digest differs (both named).
// Any thread; reads the whole file.
Expected<void> verifyWeightsFile(const QString& path, const WeightsSpec& weights);

// For the command-line tool only, never the GUI thread: runs a WeightDownloader in a local QEventLoop until it
// finishes and returns the file's path or the error. Needs a QCoreApplication. `progress` may be empty.
Expected<QString> downloadBlocking(const WeightsSpec& weights, const QString& settingsDir,
                                   std::function<void(qint64 received, qint64 total, double bytesPerSecond)> progress = {});

}  // namespace convlens

Q_DECLARE_METATYPE(convlens::DownloadResult)
