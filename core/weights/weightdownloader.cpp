#include "core/weights/weightdownloader.h"

#include "core/weights/weightstore.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSaveFile>

#include <algorithm>
#include <mutex>

namespace convlens {

namespace {

std::mutex gMirrorMutex;
QString gMirror;

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

// Why `hexDigest` is not the digest `weights` expects, or "" when it is.
QString digestProblem(const QString& hexDigest, const WeightsSpec& weights)
{
    if (!weights.sha256.empty()) {
        if (hexDigest != q(weights.sha256))
            return QStringLiteral("sha256 %1 differs from the registry's %2").arg(hexDigest, q(weights.sha256));
        return {};
    }
    if (weights.sha256Prefix.empty())
        return QStringLiteral("no sha256 to check against (neither weights.sha256 nor a -<hex> file name)");
    if (!hexDigest.startsWith(q(weights.sha256Prefix)))
        return QStringLiteral("sha256 %1 does not start with %2, the prefix in the file name")
            .arg(hexDigest, q(weights.sha256Prefix));
    return {};
}

}  // namespace

WeightDownloader::WeightDownloader(QObject* parent) : QObject(parent), mNetwork(new QNetworkAccessManager(this))
{
    qRegisterMetaType<convlens::DownloadResult>();
    QNetworkProxyFactory::setUseSystemConfiguration(true);
    mNetwork->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
}

WeightDownloader::~WeightDownloader()
{
    if (mReply) {
        mReply->disconnect(this);
        mReply->abort();
        mReply->deleteLater();
    }
    // mFile's destructor discards the uncommitted temporary file.
}

void WeightDownloader::setMirror(const QString& baseUrl)
{
    std::lock_guard lock(gMirrorMutex);
    gMirror = baseUrl;
}

QString WeightDownloader::mirror()
{
    const QString env = qEnvironmentVariable("CONVLENS_WEIGHTS_MIRROR");
    if (!env.isEmpty())
        return env;
    std::lock_guard lock(gMirrorMutex);
    return gMirror;
}

QUrl WeightDownloader::downloadUrl(const WeightsSpec& weights)
{
    QString base = mirror();
    if (!base.isEmpty()) {
        while (base.endsWith(QLatin1Char('/')))
            base.chop(1);
        return QUrl(base + QLatin1Char('/') + q(weights.file));
    }
    return QUrl(q(weights.url));
}

Expected<QString> WeightDownloader::destinationDir(const QString& settingsDir)
{
    const QStringList dirs = WeightStore::searchDirs(settingsDir);
    for (const QString& dir : dirs) {
        if (!QDir().mkpath(dir))
            continue;
        const QFileInfo info(dir);
        if (info.isDir() && info.isWritable())
            return info.absoluteFilePath();
    }
    return makeError(ErrorKind::Weights,
        "no writable folder for downloaded weights; tried: " + dirs.join(QStringLiteral(", ")).toStdString() +
        ". Set CONVLENS_WEIGHTS_DIR to a writable folder.");
}

void WeightDownloader::start(const WeightsSpec& weights, const QString& settingsDir)
{
    if (mReply) {
        finish({false, {}, QStringLiteral("%1: a download is already running").arg(q(weights.file))});
        return;
    }
    mWeights = weights;
    mUrl = downloadUrl(weights);
    mReceived = 0;
    mCancelled = false;
    mWriteError.clear();
    mHash.reset();

    if (weights.file.empty() || weights.file.find('/') != std::string::npos) {
        fail(QStringLiteral("not a file name"));
        return;
    }
    if (mUrl.isEmpty() || !mUrl.isValid()) {
        fail(QStringLiteral("no download URL in the registry and no mirror set (CONVLENS_WEIGHTS_MIRROR)"));
        return;
    }
    Expected<QString> dir = destinationDir(settingsDir);
    if (!dir) {
        fail(q(dir.message()));
        return;
    }
    // QSaveFile writes into a temporary file in the same folder and renames it on commit(); destroyed without a
    // commit it removes the temporary file.
    mFile = std::make_unique<QSaveFile>(QDir(*dir).filePath(q(weights.file)));
    if (!mFile->open(QIODevice::WriteOnly)) {
        const QString problem = QStringLiteral("cannot write into %1: %2").arg(*dir, mFile->errorString());
        mFile.reset();
        fail(problem);
        return;
    }

    QNetworkRequest request(mUrl);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::NoLessSafeRedirectPolicy);
    mTimer.start();
    mReply = mNetwork->get(request);
    connect(mReply, &QNetworkReply::readyRead, this, &WeightDownloader::onReadyRead);
    connect(mReply, &QNetworkReply::finished, this, &WeightDownloader::onFinished);
}

void WeightDownloader::cancel()
{
    if (!mReply)
        return;
    mCancelled = true;
    mReply->abort();  // emits finished() synchronously; onFinished reports the cancel
}

void WeightDownloader::onReadyRead()
{
    if (!mReply || !mFile)
        return;
    // An error page is not the checkpoint; onFinished reports the status.
    const int status = mReply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400) {
        mReply->readAll();
        return;
    }
    const QByteArray chunk = mReply->readAll();
    if (chunk.isEmpty())
        return;
    mHash.addData(chunk);
    if (mWriteError.isEmpty() && mFile->write(chunk) != chunk.size()) {
        mWriteError = mFile->errorString();
        mReply->abort();
        return;
    }
    mReceived += chunk.size();
    const QVariant length = mReply->header(QNetworkRequest::ContentLengthHeader);
    const qint64 total = length.isValid() ? length.toLongLong() : -1;
    const double seconds = std::max(1e-3, mTimer.elapsed() / 1000.0);
    Q_EMIT progress(mReceived, total, double(mReceived) / seconds);
}

void WeightDownloader::onFinished()
{
    QNetworkReply* reply = mReply;
    if (!reply)
        return;
    if (!mCancelled && mWriteError.isEmpty() && reply->error() == QNetworkReply::NoError)
        onReadyRead();  // whatever arrived with the end of the body
    mReply = nullptr;
    reply->deleteLater();

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QVariant length = reply->header(QNetworkRequest::ContentLengthHeader);
    if (mCancelled)
        return fail(QStringLiteral("cancelled"));
    if (!mWriteError.isEmpty())
        return fail(QStringLiteral("writing %1 failed: %2").arg(mFile->fileName(), mWriteError));
    if (status >= 400)
        return fail(QStringLiteral("the server answered HTTP %1 %2")
                        .arg(status)
                        .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()));
    if (reply->error() != QNetworkReply::NoError)
        return fail(QStringLiteral("the download failed after %1 bytes: %2").arg(mReceived).arg(reply->errorString()));
    if (length.isValid() && mReceived != length.toLongLong())
        return fail(
            QStringLiteral("the connection ended after %1 of %2 bytes").arg(mReceived).arg(length.toLongLong()));

    const QString problem = digestProblem(QString::fromLatin1(mHash.result().toHex()), mWeights);
    if (!problem.isEmpty())
        return fail(QStringLiteral("refused the downloaded file: ") + problem);
    const QString path = mFile->fileName();
    if (!mFile->commit()) {
        const QString why = mFile->errorString();
        mFile.reset();
        QFile::remove(path);  // a failed rename may leave nothing or the old file; neither is verified
        return fail(QStringLiteral("cannot save %1: %2").arg(path, why));
    }
    mFile.reset();
    finish({true, QFileInfo(path).absoluteFilePath(), {}});
}

void WeightDownloader::fail(const QString& what)
{
    mFile.reset();  // discards the temporary file
    if (mReply) {
        mReply->disconnect(this);
        mReply->abort();
        mReply->deleteLater();
        mReply = nullptr;
    }
    const QString url = mUrl.isEmpty() ? QStringLiteral("(no URL)") : mUrl.toString();
    finish({false, {}, QStringLiteral("downloading %1 from %2: %3").arg(q(mWeights.file), url, what)});
}

void WeightDownloader::finish(DownloadResult result)
{
    // Always from the event loop, never inside start() or cancel(): a caller that connects after start() still
    // hears about an early failure, and a slot may start the next download.
    QMetaObject::invokeMethod(
        this, [this, result = std::move(result)] { Q_EMIT finished(result); }, Qt::QueuedConnection);
}

Expected<void> verifyWeightsFile(const QString& path, const WeightsSpec& weights)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorKind::Weights, (path + QStringLiteral(": cannot read: ") + file.errorString()).toStdString());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&file))
        return makeError(ErrorKind::Weights, (path + QStringLiteral(": cannot read: ") + file.errorString()).toStdString());
    const QString problem = digestProblem(QString::fromLatin1(hash.result().toHex()), weights);
    if (!problem.isEmpty())
        return makeError(ErrorKind::Weights, (path + QStringLiteral(": ") + problem).toStdString());
    return {};
}

Expected<QString> downloadBlocking(const WeightsSpec& weights, const QString& settingsDir,
                                   std::function<void(qint64 received, qint64 total, double bytesPerSecond)> progress)
{
    WeightDownloader downloader;
    QEventLoop loop;
    DownloadResult result;
    QObject::connect(&downloader, &WeightDownloader::progress, &loop,
                     [&progress](qint64 received, qint64 total, double speed) {
                         if (progress)
                             progress(received, total, speed);
                     });
    bool done = false;
    QObject::connect(&downloader, &WeightDownloader::finished, &loop, [&](const DownloadResult& r) {
        result = r;
        done = true;
        loop.quit();
    });
    downloader.start(weights, settingsDir);
    if (!done)  // start() may have finished at once
        loop.exec();
    if (!result.ok)
        return makeError(ErrorKind::Weights, result.error.toStdString());
    return result.path;
}

}  // namespace convlens
