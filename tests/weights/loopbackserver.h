#pragma once
// Test helpers for downloads: the checkpoint written by make_download_fixtures.py (its name carries its real
// sha256 prefix) and a loopback HTTP server that serves it. The server is a QTcpServer on 127.0.0.1 with a random
// port, driven by the event loop of the thread that created it, so the client and the server can share one
// thread. Used by tests/weights/download_test.cpp and tests/ui/weightspanel_test.cpp (the "download" fixture).

#include "core/registry/modelspec.h"

#include <QByteArray>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>

namespace convlens::test {

inline QString downloadFixtureDir()
{
    return QStringLiteral(CONVLENS_FIXTURE_DIR "/download");
}

struct DownloadFixture {
    QString file;    // "tiny-<hex8>.pth"
    QString sha256;  // the full digest
    QByteArray bytes;
};

// The fixture from manifest.json; empty bytes when the fixture step has not run.
inline const DownloadFixture& downloadFixture()
{
    static const DownloadFixture fixture = [] {
        DownloadFixture out;
        QFile manifest(downloadFixtureDir() + QStringLiteral("/manifest.json"));
        if (!manifest.open(QIODevice::ReadOnly))
            return out;
        const QJsonObject json = QJsonDocument::fromJson(manifest.readAll()).object();
        out.file = json.value(QStringLiteral("file")).toString();
        out.sha256 = json.value(QStringLiteral("sha256")).toString();
        QFile data(downloadFixtureDir() + QLatin1Char('/') + out.file);
        if (data.open(QIODevice::ReadOnly))
            out.bytes = data.readAll();
        return out;
    }();
    return fixture;
}

// Answers GET /<mode>/<name>: ok and mirror serve the fixture, tampered flips one byte, drop sends the headers
// and half the body then closes, stall sends the headers and half the body and then nothing (for cancel),
// redirect answers 302 to /ok/..., missing 404, broken 500. Any other name is 404.
class LoopbackServer : public QObject {
public:
    LoopbackServer()
    {
        connect(&mServer, &QTcpServer::newConnection, this, &LoopbackServer::onConnection);
        mListening = mServer.listen(QHostAddress::LocalHost, 0);
    }
    bool listening() const { return mListening; }
    QString base() const { return QStringLiteral("http://127.0.0.1:%1").arg(mServer.serverPort()); }
    // base()/<mode>/<fixture file>
    QString url(const QString& mode) const
    {
        return base() + QLatin1Char('/') + mode + QLatin1Char('/') + downloadFixture().file;
    }
    // The registry entry of the fixture, fetched from url(mode).
    WeightsSpec weights(const QString& mode) const
    {
        WeightsSpec w;
        w.file = downloadFixture().file.toStdString();
        w.url = url(mode).toStdString();
        w.sha256Prefix =
            downloadFixture().file.section(QLatin1Char('-'), -1).section(QLatin1Char('.'), 0, 0).toStdString();
        return w;
    }

    QStringList requests;  // the paths asked for, in order

private:
    void onConnection()
    {
        while (QTcpSocket* socket = mServer.nextPendingConnection()) {
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onRequest(socket); });
        }
    }

    void onRequest(QTcpSocket* socket)
    {
        mBuffers[socket] += socket->readAll();
        const QByteArray& buffer = mBuffers[socket];
        if (!buffer.contains("\r\n\r\n"))
            return;
        const QList<QByteArray> requestLine = buffer.left(buffer.indexOf("\r\n")).split(' ');
        mBuffers.remove(socket);
        const QString path = requestLine.size() >= 2 ? QString::fromLatin1(requestLine[1]) : QString();
        requests.push_back(path);
        const QStringList parts = path.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        const QString mode = parts.value(0);
        const QByteArray& body = downloadFixture().bytes;

        if (parts.size() != 2 || parts[1] != downloadFixture().file || mode == QStringLiteral("missing"))
            return answer(socket, "404 Not Found", "no such file\n");
        if (mode == QStringLiteral("broken"))
            return answer(socket, "500 Internal Server Error", "oops\n");
        if (mode == QStringLiteral("redirect")) {
            socket->write("HTTP/1.1 302 Found\r\nLocation: /ok/" + parts[1].toLatin1() +
                          "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
        if (mode == QStringLiteral("ok") || mode == QStringLiteral("mirror"))
            return answer(socket, "200 OK", body);
        if (mode == QStringLiteral("tampered")) {
            QByteArray changed = body;
            changed[changed.size() / 2] = char(changed[changed.size() / 2] ^ 0x01);
            return answer(socket, "200 OK", changed);
        }
        if (mode == QStringLiteral("drop") || mode == QStringLiteral("stall")) {
            socket->write(headers("200 OK", body.size()));
            socket->write(body.left(body.size() / 2));
            if (mode == QStringLiteral("drop"))
                socket->disconnectFromHost();  // after the half body is written
            return;
        }
        answer(socket, "404 Not Found", "unknown mode\n");
    }

    static QByteArray headers(const QByteArray& status, qint64 length)
    {
        return "HTTP/1.1 " + status +
               "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + QByteArray::number(length) +
               "\r\nConnection: close\r\n\r\n";
    }

    void answer(QTcpSocket* socket, const QByteArray& status, const QByteArray& body)
    {
        socket->write(headers(status, body.size()));
        socket->write(body);
        socket->disconnectFromHost();
    }

    QTcpServer mServer;
    bool mListening = false;
    QHash<QTcpSocket*, QByteArray> mBuffers;
};

}  // namespace convlens::test
