#include "core/report/pagestyle.h"

#include <QPageSize>
#include <QPdfWriter>

#include <cmath>

namespace convlens::pagestyle {

QSize a4Pixels(int dpi, QPageLayout::Orientation orientation)
{
    const QSize size = QPageSize(QPageSize::A4).sizePixels(dpi);
    return orientation == QPageLayout::Landscape ? size.transposed() : size;
}

QImage blankPage(QSize size, int dpi)
{
    QImage page(size, QImage::Format_RGB32);
    page.fill(Qt::white);
    const int dotsPerMeter = static_cast<int>(std::lround(dpi / 0.0254));
    page.setDotsPerMeterX(dotsPerMeter);
    page.setDotsPerMeterY(dotsPerMeter);
    return page;
}

QString percent(float probability)
{
    if (probability < 0.001f)
        return QStringLiteral("<0.1%");
    return QStringLiteral("%1%").arg(static_cast<double>(probability) * 100.0, 0, 'f', 1);
}

QStringList wrapText(const QString& text, const QFont& font, double width, int maxLines)
{
    const QFontMetricsF fm(font);
    QStringList lines;
    QString line;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < words.size(); ++i) {
        const QString candidate = line.isEmpty() ? words[i] : line + QLatin1Char(' ') + words[i];
        if (line.isEmpty() || fm.horizontalAdvance(candidate) <= width) {
            line = candidate;
            continue;
        }
        if (lines.size() + 1 == maxLines) {
            line = candidate;  // the rest goes on the last line, elided
            continue;
        }
        lines << fm.elidedText(line, Qt::ElideRight, width);
        line = words[i];
    }
    if (!line.isEmpty() || lines.isEmpty())
        lines << fm.elidedText(line, Qt::ElideRight, width);
    return lines;
}

double drawPageHeader(QPainter& p, const Units& u, const QRectF& content, const QString& kind, const QString& title,
                      const QString& right, Qt::TextElideMode titleElide)
{
    const double smallH = u.line(kSmallPt);
    drawText(p, QRectF(content.left(), content.top(), content.width() * 0.6, smallH), kind, u.font(kSmallPt), kMuted);
    drawText(p, QRectF(content.left() + content.width() * 0.6, content.top(), content.width() * 0.4, smallH), right,
             u.font(kSmallPt), kMuted, Qt::AlignRight | Qt::AlignVCenter);
    const double y = content.top() + smallH + u.mm(1.0);
    drawText(p, QRectF(content.left(), y, content.width(), u.line(kTitlePt, true)), title, u.font(kTitlePt, true), kInk,
             Qt::AlignLeft | Qt::AlignVCenter, titleElide);
    return y + u.line(kTitlePt, true);
}

double drawHeaderField(QPainter& p, const Units& u, const QRectF& content, double y, double keyWidth,
                       const QString& key, const QString& value, Qt::TextElideMode elide)
{
    const double bodyH = u.line(kBodyPt);
    drawText(p, QRectF(content.left(), y, keyWidth, bodyH), key, u.font(kBodyPt), kMuted);
    drawText(p, QRectF(content.left() + keyWidth, y, content.width() - keyWidth, bodyH), value, u.font(kBodyPt), kInk,
             Qt::AlignLeft | Qt::AlignVCenter, elide);
    return y + bodyH;
}

void drawRule(QPainter& p, const Units& u, const QRectF& content, double y)
{
    p.setPen(QPen(kRule, u.mm(0.3)));
    p.drawLine(QPointF(content.left(), y), QPointF(content.right(), y));
}

Expected<void> writePagesPdf(const QString& fileName, const QString& title, int pages, const PaintPage& paint,
                             QPageLayout::Orientation orientation)
{
    constexpr int dpi = 150;  // as the PNG pages, so both show the same layout
    QPdfWriter writer(fileName);
    writer.setResolution(dpi);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), orientation, QMarginsF(0, 0, 0, 0)));
    writer.setTitle(title);
    writer.setCreator(QStringLiteral("ConvLens"));
    QPainter painter;
    if (!painter.begin(&writer))
        return makeError(ErrorKind::Internal, "cannot write the PDF " + fileName.toStdString() +
                                                  ": check that the folder exists and is writable");
    const QRectF page(0, 0, writer.width(), writer.height());
    for (int i = 0; i < pages; ++i) {
        if (i > 0 && !writer.newPage())
            return makeError(ErrorKind::Internal, "could not add a page to the PDF " + fileName.toStdString());
        painter.fillRect(page, Qt::white);
        paint(painter, page, dpi, i);
    }
    if (!painter.end())
        return makeError(ErrorKind::Internal, "could not finish the PDF " + fileName.toStdString());
    return {};
}

}  // namespace convlens::pagestyle
