#include "core/report/batchsheets.h"

#include "core/image/imagefile.h"
#include "core/report/pagestyle.h"
#include "core/report/reportpage.h"

#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace convlens {

namespace {

using namespace pagestyle;

QString number(qint64 n)
{
    return QLocale(QLocale::English).toString(n);
}

QString rate(int hits, int of)
{
    if (of <= 0)
        return QStringLiteral("—");
    return QStringLiteral("%1%").arg(100.0 * hits / of, 0, 'f', 1);
}

// A round badge with a tick or a cross, top-right inside `image`.
void drawMark(QPainter& p, const Units& u, const QRectF& image, bool right)
{
    const double d = std::min(u.mm(5.0), image.width() * 0.25);
    const QRectF badge(image.right() - d - u.mm(1.0), image.top() + u.mm(1.0), d, d);
    p.setPen(QPen(Qt::white, u.mm(0.4)));
    p.setBrush(right ? kRight : kWrong);
    p.drawEllipse(badge);
    QPen pen(Qt::white, d * 0.14, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(pen);
    const QPointF c = badge.center();
    const double r = d * 0.24;
    if (right) {
        p.drawPolyline(QPolygonF({QPointF(c.x() - r, c.y()), QPointF(c.x() - r * 0.3, c.y() + r * 0.75),
                                  QPointF(c.x() + r, c.y() - r * 0.7)}));
    } else {
        p.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r));
        p.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r));
    }
}

void paintContactSheet(QPainter& p, const ContactSheetLayout& layout, double dpi, const std::vector<ContactCell>& cells,
                       const QString& title, int pageIndex)
{
    const Units u{dpi};
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    const QString pageText = QStringLiteral("page %1 of %2").arg(pageIndex + 1).arg(layout.pages);
    const double y = drawPageHeader(p, u, layout.content, QStringLiteral("ConvLens · contact sheet"),
                                    title.isEmpty() ? QStringLiteral("Contact sheet") : title, pageText);
    drawRule(p, u, layout.content, y + u.mm(2.0));
    const QFont small = u.font(kSmallPt);
    const QFont smallBold = u.font(kSmallPt, true);
    const double smallH = u.line(kSmallPt);
    const int first = pageIndex * layout.cellsPerPage;
    const int last = std::min(static_cast<int>(cells.size()), first + layout.cellsPerPage);
    if (cells.empty())
        drawText(p, layout.cellText(0), QStringLiteral("No images"), u.font(kBodyPt), kMuted);
    for (int i = first; i < last; ++i) {
        const ContactCell& cell = cells[static_cast<std::size_t>(i)];
        const QRectF image = layout.cellImage(i - first);
        const QRectF band = layout.cellText(i - first);
        const QRectF text = band.adjusted(0, (band.height() - 2 * smallH) / 2, 0, 0);
        if (cell.failed) {
            p.fillRect(image, QColor(0xfd, 0xec, 0xea));
            p.setPen(QPen(kWrong, u.mm(0.3)));
            p.setBrush(Qt::NoBrush);
            p.drawRect(image);
            // The error in the box, as much of it as fits.
            const QRectF inner = image.adjusted(u.mm(1.5), u.mm(1.5), -u.mm(1.5), -u.mm(1.5));
            drawText(p, QRectF(inner.left(), inner.top(), inner.width(), u.line(kBodyPt, true)),
                     QStringLiteral("failed"), u.font(kBodyPt, true), kWrong, Qt::AlignHCenter | Qt::AlignVCenter);
            p.setFont(small);
            p.setPen(kWrong);
            p.drawText(inner.adjusted(0, u.line(kBodyPt, true) + u.mm(1.0), 0, 0),
                       Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, cell.caption);
        } else {
            p.fillRect(image, kPanel);
            drawFitted(p, image,
                       cell.image.isNull() && !cell.imageFile.isEmpty()
                           ? readThumbnail(cell.imageFile, QSize(int(image.width()), int(image.height())))
                           : cell.image);
            if (cell.correct == 0 || cell.correct == 1) {
                p.setPen(QPen(cell.correct ? kRight : kWrong, u.mm(0.6)));
                p.setBrush(Qt::NoBrush);
                p.drawRect(image.adjusted(u.mm(0.3), u.mm(0.3), -u.mm(0.3), -u.mm(0.3)));
                drawMark(p, u, image, cell.correct == 1);
            }
        }
        // The file's own name: its folder (often the class's synset) says less than its end.
        const QString name = cell.file.section(QLatin1Char('/'), -1);
        drawText(p, QRectF(text.left(), text.top(), text.width(), smallH), name, smallBold, kInk,
                 Qt::AlignLeft | Qt::AlignVCenter, Qt::ElideMiddle);
        const QColor captionColour = cell.failed ? kWrong : cell.correct == 0 ? kWrong : kMuted;
        drawText(p, QRectF(text.left(), text.top() + smallH, text.width(), smallH), cell.caption, small, captionColour);
    }
    p.restore();
}

// The classes of a model's confusion matrix: the most confused ones, in order of first appearance in the list.
std::vector<std::pair<int, std::string>> confusedClasses(const ModelAccuracy& model, std::size_t limit)
{
    std::vector<std::pair<int, std::string>> classes;
    auto add = [&](int index, const std::string& label) {
        if (classes.size() < limit &&
            std::none_of(classes.begin(), classes.end(), [&](const auto& c) { return c.first == index; }))
            classes.emplace_back(index, label);
    };
    for (const Confusion& c : model.confusions) {
        add(c.truth, c.truthLabel);
        add(c.predicted, c.predictedLabel);
    }
    return classes;
}

QString modelName(const SummaryPageInfo& info, const std::string& id)
{
    for (const auto& [modelId, name] : info.models)
        if (modelId == id && !name.isEmpty())
            return name;
    return QString::fromStdString(id);
}

// Lays out the summary page and, with a painter, draws it.
SummaryLayout summaryPage(QPainter* p, const SummaryPageInfo& info, const QRectF& page, double dpi)
{
    const Units u{dpi};
    SummaryLayout layout;
    layout.page = page;
    const double margin = u.mm(kMarginMm);
    layout.content = page.adjusted(margin, margin, -margin, -margin);
    const QRectF& content = layout.content;
    const double width = content.width();
    const double smallH = u.line(kSmallPt);
    const double bodyH = u.line(kBodyPt);
    const QFont small = u.font(kSmallPt);
    const QFont body = u.font(kBodyPt);
    const QFont bodyBold = u.font(kBodyPt, true);
    if (p) {
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        p->setRenderHint(QPainter::TextAntialiasing);
    }

    const QString date = info.date.isValid() ? info.date.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
    double y = content.top() + smallH + u.mm(1.0);
    layout.title = QRectF(content.left(), y, width, u.line(kTitlePt, true));
    if (p)
        drawPageHeader(*p, u, content, QStringLiteral("ConvLens · batch summary"),
                       info.title.isEmpty() ? QStringLiteral("Batch summary") : info.title, date);
    y = layout.title.bottom() + u.mm(1.0);
    layout.counts = QRectF(content.left(), y, width, bodyH);
    if (p) {
        QStringList counts;
        counts << QStringLiteral("%1 image%2")
                      .arg(number(info.images), info.images == 1 ? QString() : QStringLiteral("s"));
        counts << QStringLiteral("%1 failed").arg(number(info.failed));
        if (info.models.size() > 1)
            counts << QStringLiteral("%1 where the models disagree").arg(number(info.disagreements));
        drawText(*p, layout.counts, counts.join(QStringLiteral(" · ")), body, kInk);
    }
    y = layout.counts.bottom() + u.mm(3.0);
    if (p)
        drawRule(*p, u, content, y);
    y += u.mm(5.0);

    // Accuracy table.
    const double sectionH = u.line(kSectionPt, true);
    if (p)
        drawText(*p, QRectF(content.left(), y, width, sectionH), QStringLiteral("Accuracy"), u.font(kSectionPt, true),
                 kInk);
    y += sectionH + u.mm(2.0);
    // Model, records, with truth, failed, top-1, top-5: the model takes what the numbers leave.
    const double numW = u.mm(20.0), rateW = u.mm(30.0);
    const double modelW = width - 3 * numW - 2 * rateW;
    const double xs[] = {content.left(),
                         content.left() + modelW,
                         content.left() + modelW + numW,
                         content.left() + modelW + 2 * numW,
                         content.left() + modelW + 3 * numW,
                         content.left() + modelW + 3 * numW + rateW};
    const double ws[] = {modelW, numW, numW, numW, rateW, rateW};
    const double rowH = bodyH + u.mm(2.0);
    layout.tableHeader = QRectF(content.left(), y, width, rowH);
    if (p) {
        const QString heads[] = {QStringLiteral("Model"),  QStringLiteral("Images"), QStringLiteral("With truth"),
                                 QStringLiteral("Failed"), QStringLiteral("Top-1"),  QStringLiteral("Top-5")};
        for (int c = 0; c < 6; ++c)
            drawText(*p, QRectF(xs[c] + (c ? u.mm(1.0) : 0), y, ws[c] - u.mm(1.0), rowH), heads[c],
                     u.font(kSmallPt, true), kMuted, (c ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
        drawRule(*p, u, content, y + rowH);
    }
    y += rowH;
    for (const ModelAccuracy& m : info.accuracy) {
        SummaryTableRow row;
        row.row = QRectF(content.left(), y, width, rowH);
        row.top1 = QRectF(xs[4], y, ws[4], rowH);
        row.top5 = QRectF(xs[5], y, ws[5], rowH);
        if (p) {
            drawText(*p, QRectF(xs[0], y, ws[0] - u.mm(2.0), rowH), modelName(info, m.modelId), bodyBold, kInk);
            const int values[] = {m.records, m.withTruth, m.failed};
            for (int c = 0; c < 3; ++c)
                drawText(*p, QRectF(xs[c + 1], y, ws[c + 1], rowH), number(values[c]), body, kInk,
                         Qt::AlignRight | Qt::AlignVCenter);
            const int hits[] = {m.top1, m.top5};
            for (int c = 0; c < 2; ++c) {
                const QString text = m.withTruth > 0
                                         ? QStringLiteral("%1 (%2)").arg(rate(hits[c], m.withTruth), number(hits[c]))
                                         : QStringLiteral("—");
                drawText(*p, QRectF(xs[c + 4], y, ws[c + 4], rowH), text, c == 0 ? bodyBold : body, kInk,
                         Qt::AlignRight | Qt::AlignVCenter);
            }
            p->setPen(QPen(kRule.lighter(110), u.mm(0.2)));
            p->drawLine(QPointF(content.left(), y + rowH), QPointF(content.right(), y + rowH));
        }
        layout.table.push_back(row);
        y += rowH;
    }
    const bool anyTruth =
        std::any_of(info.accuracy.begin(), info.accuracy.end(), [](const ModelAccuracy& m) { return m.withTruth > 0; });
    if (p) {
        const QString note = info.accuracy.empty() ? QStringLiteral("No results yet.")
                             : anyTruth            ? QStringLiteral(
                                                         "Top-1 and top-5 over the images whose true class is known "
                                                                    "(hits in brackets); failed images are not counted.")
                                        : QStringLiteral(
                                              "No true classes are known for these images, so accuracy "
                                              "cannot be measured.");
        drawText(*p, QRectF(content.left(), y + u.mm(1.0), width, smallH), note, small, kMuted);
    }
    y += u.mm(1.0) + smallH + u.mm(7.0);

    // Confusion matrices, two models a row.
    std::vector<const ModelAccuracy*> confused;
    for (const ModelAccuracy& m : info.accuracy)
        if (!m.confusions.empty())
            confused.push_back(&m);
    if (!confused.empty()) {
        if (p)
            drawText(*p, QRectF(content.left(), y, width, sectionH), QStringLiteral("Most confused classes"),
                     u.font(kSectionPt, true), kInk);
        y += sectionH + u.mm(0.5);
        if (p)
            drawText(*p, QRectF(content.left(), y, width, smallH),
                     QStringLiteral("Rows: true class; columns: predicted class, numbered as the rows. Off the "
                                    "diagonal: mistakes; on it: images classified right."),
                     small, kMuted);
        y += smallH + u.mm(3.0);
        const std::size_t n = 6;
        const double blockW = (width - u.mm(8.0)) / 2;
        const double cell = u.mm(7.0);
        const double labelW = blockW - n * cell;
        std::size_t most = 1;
        for (const ModelAccuracy* m : confused)
            most = std::max(most, confusedClasses(*m, n).size());
        const double blockH = bodyH + u.mm(1.0) + smallH + most * cell + u.mm(6.0);
        const int blockRows = std::min(2, static_cast<int>((confused.size() + 1) / 2));
        for (std::size_t b = 0; b < confused.size() && b < static_cast<std::size_t>(2 * blockRows); ++b) {
            const ModelAccuracy& m = *confused[b];
            const double bx = content.left() + (b % 2) * (blockW + u.mm(8.0));
            double by = y + (b / 2) * blockH;
            const auto classes = confusedClasses(m, n);
            if (!p)
                continue;
            drawText(*p, QRectF(bx, by, blockW, bodyH), modelName(info, m.modelId), bodyBold, kInk);
            by += bodyH + u.mm(1.0);
            for (std::size_t c = 0; c < classes.size(); ++c)
                drawText(*p, QRectF(bx + labelW + c * cell, by, cell, smallH), QString::number(c + 1), small, kMuted,
                         Qt::AlignCenter);
            by += smallH;
            std::map<std::pair<int, int>, int> counts;
            int maxCount = 1;
            for (const Confusion& c : m.confusions) {
                counts[{c.truth, c.predicted}] = c.count;
                maxCount = std::max(maxCount, c.count);
            }
            for (const ClassAccuracy& pc : m.perClass)
                counts[{pc.classIndex, pc.classIndex}] = pc.top1;
            for (std::size_t r = 0; r < classes.size(); ++r) {
                const double ry = by + r * cell;
                drawText(*p, QRectF(bx, ry, labelW - u.mm(2.0), cell),
                         QStringLiteral("%1  %2").arg(r + 1).arg(QString::fromStdString(classes[r].second)), small,
                         kInk);
                for (std::size_t c = 0; c < classes.size(); ++c) {
                    const QRectF box(bx + labelW + c * cell, ry, cell, cell);
                    const auto it = counts.find({classes[r].first, classes[c].first});
                    const int count = it == counts.end() ? 0 : it->second;
                    const bool diagonal = r == c;
                    QColor fill = Qt::white;
                    if (count > 0) {
                        const double t = diagonal ? 0.35 : 0.15 + 0.85 * std::min(1.0, double(count) / maxCount);
                        const QColor base = diagonal ? kRight : kWrong;
                        fill = QColor::fromRgbF(1 - t * (1 - base.redF()), 1 - t * (1 - base.greenF()),
                                                1 - t * (1 - base.blueF()));
                    }
                    p->fillRect(box, fill);
                    p->setPen(QPen(kRule, u.mm(0.2)));
                    p->setBrush(Qt::NoBrush);
                    p->drawRect(box);
                    if (count > 0)
                        drawText(*p, box, number(count), small, fill.lightnessF() < 0.55 ? Qt::white : kInk,
                                 Qt::AlignCenter);
                }
            }
        }
        y += blockRows * blockH + u.mm(2.0);
    }

    // Failure cases: the most confident mistakes, two columns, as many as fit.
    std::vector<std::pair<const ModelAccuracy*, const FailureCase*>> failures;
    for (std::size_t i = 0;; ++i) {
        bool any = false;
        for (const ModelAccuracy& m : info.accuracy)
            if (i < m.failures.size()) {
                failures.emplace_back(&m, &m.failures[i]);
                any = true;
            }
        if (!any)
            break;
    }
    if (!failures.empty() && y + sectionH + u.mm(20.0) < content.bottom()) {
        if (p)
            drawText(*p, QRectF(content.left(), y, width, sectionH), QStringLiteral("Failure cases"),
                     u.font(kSectionPt, true), kInk);
        y += sectionH + u.mm(0.5);
        if (p)
            drawText(*p, QRectF(content.left(), y, width, smallH),
                     QStringLiteral("Wrong top-1 predictions, most confident first."), small, kMuted);
        y += smallH + u.mm(2.5);
        const double thumb = u.mm(14.0);
        const double entryH = thumb + u.mm(2.5);
        const double colW = (width - u.mm(8.0)) / 2;
        const double noteH = smallH + u.mm(1.0);
        const int perColumn = std::max(0, static_cast<int>((content.bottom() - y - noteH) / entryH));
        const int shown = std::min(static_cast<int>(failures.size()), 2 * perColumn);
        const bool multiModel = info.accuracy.size() > 1;
        for (int i = 0; i < shown && p; ++i) {
            const auto& [model, f] = failures[static_cast<std::size_t>(i)];
            const int column = i / perColumn;
            const double x = content.left() + column * (colW + u.mm(8.0));
            const double fy = y + (i % perColumn) * entryH;
            const QRectF box(x, fy, thumb, thumb);
            p->fillRect(box, kPanel);
            if (info.thumbnail)
                drawFitted(*p, box, info.thumbnail(f->file));
            const double tx = x + thumb + u.mm(2.5);
            const double tw = colW - thumb - u.mm(2.5);
            drawText(*p, QRectF(tx, fy, tw, smallH), f->file, u.font(kSmallPt, true), kInk,
                     Qt::AlignLeft | Qt::AlignVCenter, Qt::ElideMiddle);
            drawText(*p, QRectF(tx, fy + smallH, tw, smallH),
                     QStringLiteral("predicted %1 (%2%)")
                         .arg(QString::fromStdString(f->predictedLabel))
                         .arg(f->confidence * 100.0, 0, 'f', 1),
                     small, kWrong);
            drawText(*p, QRectF(tx, fy + 2 * smallH, tw, smallH),
                     multiModel ? QStringLiteral("true %1 · %2")
                                      .arg(QString::fromStdString(f->truthLabel), modelName(info, model->modelId))
                                : QStringLiteral("true %1").arg(QString::fromStdString(f->truthLabel)),
                     small, kMuted);
        }
        const double listBottom = y + std::min(shown, perColumn) * entryH;
        if (p && shown < static_cast<int>(failures.size()))
            drawText(*p, QRectF(content.left(), listBottom, width, smallH),
                     QStringLiteral("%1 more not shown (see summary.json).").arg(number(failures.size() - shown)),
                     small, kMuted);
    }
    if (p)
        p->restore();
    return layout;
}

}  // namespace

QRectF ContactSheetLayout::cellImage(int index) const
{
    const int col = columns > 0 ? index % columns : 0;
    const int row = columns > 0 ? index / columns : 0;
    return QRectF(content.left() + col * (cellWidth + gap), title.bottom() + row * (cellHeight + gap), imageSide,
                  imageSide);
}

QRectF ContactSheetLayout::cellText(int index) const
{
    const QRectF image = cellImage(index);
    return QRectF(image.left(), image.bottom(), cellWidth, cellHeight - imageSide);
}

ContactSheetLayout layoutContactSheets(int cellCount, int columns, int dpi)
{
    const Units u{static_cast<double>(dpi)};
    ContactSheetLayout layout;
    layout.page = QRectF(QPointF(0, 0), QSizeF(a4Pixels(dpi)));
    const double margin = u.mm(kMarginMm);
    layout.content = layout.page.adjusted(margin, margin, -margin, -margin);
    // The header: top line, title, rule 2 mm below, cells 5 mm below the rule.
    const double headerH = u.line(kSmallPt) + u.mm(1.0) + u.line(kTitlePt, true) + u.mm(7.0);
    layout.title = QRectF(layout.content.left(), layout.content.top(), layout.content.width(), headerH);
    layout.columns = std::clamp(columns, 1, 12);
    layout.gap = u.mm(3.0);
    layout.cellWidth = (layout.content.width() - (layout.columns - 1) * layout.gap) / layout.columns;
    layout.imageSide = layout.cellWidth;
    layout.cellHeight = layout.imageSide + u.mm(1.0) + 2 * u.line(kSmallPt) + u.mm(1.0);
    layout.rows = std::max(1, static_cast<int>((layout.content.bottom() - layout.title.bottom() + layout.gap) /
                                               (layout.cellHeight + layout.gap)));
    layout.cellsPerPage = layout.rows * layout.columns;
    layout.pages = std::max(1, (std::max(0, cellCount) + layout.cellsPerPage - 1) / layout.cellsPerPage);
    return layout;
}

QImage renderContactSheet(const std::vector<ContactCell>& cells, const QString& title, int page, int columns, int dpi)
{
    dpi = std::clamp(dpi, 36, 1200);
    const ContactSheetLayout layout = layoutContactSheets(static_cast<int>(cells.size()), columns, dpi);
    QImage image = blankPage(a4Pixels(dpi), dpi);
    QPainter painter(&image);
    paintContactSheet(painter, layout, dpi, cells, title, std::clamp(page, 0, std::max(0, layout.pages - 1)));
    painter.end();
    return image;
}

std::vector<QImage> renderContactSheets(const std::vector<ContactCell>& cells, const QString& title, int columns,
                                        int dpi)
{
    std::vector<QImage> pages;
    const int count = layoutContactSheets(static_cast<int>(cells.size()), columns, std::clamp(dpi, 36, 1200)).pages;
    for (int i = 0; i < count; ++i)
        pages.push_back(renderContactSheet(cells, title, i, columns, dpi));
    return pages;
}

SummaryLayout layoutSummaryPage(const SummaryPageInfo& info, int dpi)
{
    return summaryPage(nullptr, info, QRectF(QPointF(0, 0), QSizeF(a4Pixels(dpi))), dpi);
}

QImage renderSummaryPage(const SummaryPageInfo& info, int dpi)
{
    dpi = std::clamp(dpi, 36, 1200);
    QImage page = blankPage(a4Pixels(dpi), dpi);
    QPainter painter(&page);
    summaryPage(&painter, info, QRectF(QPointF(0, 0), QSizeF(page.size())), dpi);
    painter.end();
    return page;
}

Expected<void> writeSummaryPdf(const QString& fileName, const SummaryPageInfo& info)
{
    return writePagesPdf(fileName, info.title, 1,
                         [&](QPainter& p, const QRectF& page, int dpi, int) { summaryPage(&p, info, page, dpi); });
}

Expected<void> writeContactSheetPdf(const QString& fileName, const std::vector<ContactCell>& cells,
                                    const QString& title, int columns)
{
    constexpr int dpi = 150;
    const ContactSheetLayout layout = layoutContactSheets(static_cast<int>(cells.size()), columns, dpi);
    return writePagesPdf(fileName, title, layout.pages, [&](QPainter& p, const QRectF&, int pageDpi, int index) {
        paintContactSheet(p, layout, pageDpi, cells, title, index);
    });
}

QImage renderExemplarSheet(const ChannelExemplars& exemplars, const std::vector<int>& channels,
                           const std::function<QImage(const QString& file)>& thumbnail, int thumbSize)
{
    // A screen image, not a page: sized in pixels at 96 dpi around the thumbnails.
    const Units u{96.0};
    thumbSize = std::clamp(thumbSize, 16, 512);
    const int margin = 16, gap = 6, labelW = 96;
    const int columns = std::max(1, exemplars.perChannel());
    const QFont titleFont = u.font(12.0, true);
    const QFont body = u.font(9.0, true);
    const QFont small = u.font(8.0);
    const double smallH = u.line(8.0);
    const double titleH = u.line(12.0, true);
    const int rowH = thumbSize + static_cast<int>(std::ceil(smallH)) + gap + 6;
    const int width = std::max(margin * 2 + labelW + columns * (thumbSize + gap), 360);
    const int height = margin * 2 + static_cast<int>(std::ceil(titleH + smallH)) + 10 +
                       std::max<int>(1, static_cast<int>(channels.size())) * rowH;
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    drawText(p, QRectF(margin, margin, width - 2 * margin, titleH),
             QStringLiteral("%1 · dataset examples").arg(QString::fromStdString(exemplars.layer())), titleFont, kInk);
    drawText(p, QRectF(margin, margin + titleH, width - 2 * margin, smallH),
             QStringLiteral("%1 — the images that excite each channel most (highest channel mean), strongest first")
                 .arg(QString::fromStdString(exemplars.modelId())),
             small, kMuted);
    double y = margin + titleH + smallH + 10;
    if (channels.empty())
        drawText(p, QRectF(margin, y, width - 2 * margin, smallH), QStringLiteral("No channels chosen"), small, kMuted);
    for (int channel : channels) {
        drawText(p, QRectF(margin, y, labelW - gap, thumbSize), QStringLiteral("ch %1").arg(channel), body, kInk);
        const std::vector<Exemplar> top =
            channel >= 0 && channel < exemplars.channels() ? exemplars.top(channel) : std::vector<Exemplar>();
        if (top.empty())
            drawText(p, QRectF(margin + labelW, y, width - margin - labelW - margin, thumbSize),
                     QStringLiteral("no examples"), small, kMuted);
        for (std::size_t i = 0; i < top.size() && static_cast<int>(i) < columns; ++i) {
            const QRectF box(margin + labelW + static_cast<double>(i) * (thumbSize + gap), y, thumbSize, thumbSize);
            p.fillRect(box, kPanel);
            if (thumbnail)
                drawFitted(p, box, thumbnail(top[i].file));
            drawText(p, QRectF(box.left(), box.bottom() + 2, box.width(), smallH),
                     QStringLiteral("%1").arg(top[i].mean, 0, 'f', 3), small, kMuted,
                     Qt::AlignHCenter | Qt::AlignVCenter);
        }
        y += rowH;
    }
    p.end();
    return image;
}

}  // namespace convlens
