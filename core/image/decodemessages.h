#pragma once
// The decoders' shared wording (imagedecoder.cpp, jpegdecoder.cpp): each problem is said once, whichever decoder
// met it. Each returns the problem only; the caller puts the file's name in front.

#include <QByteArray>
#include <QString>

namespace convlens::decodemessages {

// "640×480".
inline QString dimensions(qint64 width, qint64 height)
{
    return QString::number(width) + QChar(0x00D7) + QString::number(height);
}

// A decoder still busy after `budgetMs` (`format`: "jpeg", "png", ...).
inline QString tooSlow(const QByteArray& format, int budgetMs)
{
    return QStringLiteral(
               "decoding the %1 image took longer than %2 s; the file is corrupt or made to stall the "
               "decoder")
        .arg(QString::fromLatin1(format.toUpper()))
        .arg(budgetMs / 1000.0, 0, 'g', 3);
}

// A decoder that gave up; `detail` is its own message.
inline QString undecodable(const QByteArray& format, const QString& detail)
{
    return QStringLiteral("could not decode the %1 image (%2); the file is truncated or corrupt")
        .arg(QString::fromLatin1(format.toUpper()), detail);
}

}  // namespace convlens::decodemessages
