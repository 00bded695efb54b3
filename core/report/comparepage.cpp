#include "core/report/comparepage.h"

#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "core/report/pagestyle.h"
#include "core/report/reportimage.h"
#include "core/report/reportpage.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <optional>
#include <cmath>

namespace convlens {

namespace {

using namespace pagestyle;

// Millimetres on paper.
constexpr double kMaxImageMm = 85.0;  // a map at full size (two or three models)
constexpr double kMinImageMm = 14.0;  // below this a model is left out rather than shown as a stamp
constexpr double kMinTextMm = 36.0;   // a cell's text column, however small its map
constexpr double kGapXMm = 5.0;
constexpr double kGapYMm = 5.0;
constexpr int kTopClasses = 3;

bool guidedMethod(const ComparePageInfo& info)
{
    const MethodInfo* method = findMethod(info.method);
    return method && method->explainsAtInput;
}

QString classLabel(const ComparePageInfo& info, int classIndex)
{
    for (const CompareCellInfo& cell : info.cells) {
        if (!cell.result)
            continue;
        for (const ClassScore& s : cell.result->prediction.top)
            if (s.index == classIndex && !s.label.empty())
                return QString::fromStdString(s.label);
        for (const CamResult& cam : cell.result->cams)
            if (cam.classIndex == classIndex && !cam.label.empty())
                return QString::fromStdString(cam.label);
    }
    return {};
}

// The maps shown, one per cell (null where a cell has none).
std::vector<const CamResult*> shownCams(const ComparePageInfo& info)
{
    std::vector<const CamResult*> cams;
    for (const CompareCellInfo& cell : info.cells)
        cams.push_back(cell.result ? cell.result->findCam(info.method, compareClass(info, *cell.result)) : nullptr);
    return cams;
}

// A raw map value of a scale spanning `range`, to three significant digits of the range ("0.00", "1.76").
QString rawValue(float v, float range)
{
    const int decimals =
        range > 0 ? std::clamp(2 - static_cast<int>(std::floor(std::log10(static_cast<double>(range)))), 0, 6) : 2;
    return QString::number(static_cast<double>(v), 'f', decimals);
}

// How to read a cell's caption.
QString noteText(const ComparePageInfo& info, bool guided)
{
    QString note = QStringLiteral(
        "Under each map: the class's probability on the image → on image × map, and the "
        "drop (smaller: a more faithful map)");
    if (info.sharedScale && !guided)
        note += QStringLiteral("; peak: the map's highest value as a share of the shared scale");
    return note + QLatin1Char('.');
}

// The heights of a cell's parts around its image, in pixels.
struct CellMetrics {
    double title, weights, gapAbove, bar, gapBelow, predictions, gapCaption, caption;
    double text() const { return title + weights + gapAbove + bar + gapBelow + predictions + gapCaption + caption; }
};

CellMetrics cellMetrics(const Units& u)
{
    const double smallH = u.line(kSmallPt);
    return {u.line(kBodyPt, true), smallH,    u.mm(1.2), u.mm(0.8 + 1.6), u.mm(1.2),
            kTopClasses * smallH,  u.mm(0.6), 2 * smallH};
}

}  // namespace

int compareClass(const ComparePageInfo& info, const AnalysisResult& result)
{
    if (info.classIndex >= 0)
        return info.classIndex;
    return result.prediction.top.empty() ? -1 : result.prediction.top.front().index;
}

ComparePageLayout layoutComparePage(const ComparePageInfo& info, const QRectF& page, double dpi)
{
    const Units u{dpi};
    ComparePageLayout layout;
    layout.page = page;
    const double margin = u.mm(kMarginMm);
    layout.content = page.adjusted(margin, margin, -margin, -margin);
    const QRectF& content = layout.content;
    const double smallH = u.line(kSmallPt);
    layout.guided = guidedMethod(info);

    // Header: top line, image name, class and method; the rule 3 mm below it.
    double y = content.top() + smallH + u.mm(1.0) + u.line(kTitlePt, true) + u.mm(1.0) + 2 * u.line(kBodyPt);
    layout.header = QRectF(content.left(), content.top(), content.width(), y - content.top());
    y += u.mm(3.0) + u.mm(4.0);
    layout.legend = QRectF(content.left(), y, content.width(), std::max(smallH, u.mm(2.6)));
    y = layout.legend.bottom() + u.mm(1.0);
    const int noteLines =
        static_cast<int>(wrapText(noteText(info, layout.guided), u.font(kSmallPt), content.width(), 2).size());
    layout.note = QRectF(content.left(), y, content.width(), noteLines * smallH);
    y = layout.note.bottom() + u.mm(5.0);

    std::vector<const CamResult*> layerMaps;
    for (const CamResult* cam : shownCams(info))
        if (cam && cam->guided.empty())
            layerMaps.push_back(cam);
    layout.scale = sharedCamScale(layerMaps);

    // The grid: the column count that gives the largest maps, a row of models winning ties; models that do not fit
    // even at the smallest size are left out (their cells stay empty), and the note says so.
    const CellMetrics m = cellMetrics(u);
    const int count = static_cast<int>(info.cells.size());
    const double width = content.width();
    const double gapX = u.mm(kGapXMm), gapY = u.mm(kGapYMm);
    const double omittedH = smallH + u.mm(2.0);
    auto sideFor = [&](int columns, int cells) {
        const double height = content.bottom() - y - (cells < count ? omittedH : 0.0);
        const int rows = (cells + columns - 1) / columns;
        const double columnW = (width - (columns - 1) * gapX) / columns;
        if (columns > 1 && columnW < u.mm(kMinTextMm))
            return 0.0;
        const double rowH = (height - (rows - 1) * gapY) / rows;
        return std::floor(std::min({columnW, rowH - m.text(), u.mm(kMaxImageMm)}));
    };
    int shown = count;
    int columns = 1;
    double side = 0.0;
    for (; shown > 0; --shown) {
        columns = 1;
        side = 0.0;
        for (int c = shown; c >= 1; --c)
            if (const double s = sideFor(c, shown); s > side) {
                side = s;
                columns = c;
            }
        if (side >= u.mm(kMinImageMm))
            break;
    }
    layout.cells.resize(info.cells.size());
    if (shown < count)
        layout.omittedNote = QRectF(content.left(), content.bottom() - smallH, content.width(), smallH);
    if (shown <= 0)
        return layout;
    layout.columns = columns;
    layout.rows = (shown + columns - 1) / columns;
    layout.imageSide = side;
    const double columnW = (width - (columns - 1) * gapX) / columns;
    const double cellW = std::floor(std::max(side, std::min(columnW, u.mm(kMinTextMm + 8.0))));
    const double gridW = columns * cellW + (columns - 1) * gapX;
    const double left = content.left() + (width - gridW) / 2;
    const double cellH = m.text() + side;
    for (int i = 0; i < shown; ++i) {
        const CompareCellInfo& cellInfo = info.cells[static_cast<std::size_t>(i)];
        CompareCellLayout& c = layout.cells[static_cast<std::size_t>(i)];
        const double x = left + (i % columns) * (cellW + gapX);
        double cy = y + (i / columns) * (cellH + gapY);
        c.cell = QRectF(x, cy, cellW, cellH);
        c.title = QRectF(x, cy, cellW, m.title);
        cy += m.title;
        c.weights = QRectF(x, cy, cellW, m.weights);
        cy += m.weights + m.gapAbove;
        const QRectF imageArea(x + (cellW - side) / 2, cy, side, side);
        if (!cellInfo.result) {
            c.error = QRectF(x, cy, cellW, side);
            continue;
        }
        c.image = imageArea;
        const CamResult* cam = cellInfo.result->findCam(info.method, compareClass(info, *cellInfo.result));
        if (cam && cam->guided.empty())
            c.colorBar = QRectF(imageArea.left(), imageArea.bottom() + u.mm(0.8), side, u.mm(1.6));
        cy += side + m.bar + m.gapBelow;
        c.predictions = QRectF(x, cy, cellW, m.predictions);
        cy += m.predictions + m.gapCaption;
        c.caption = QRectF(x, cy, cellW, m.caption);
    }
    return layout;
}

QPageLayout::Orientation comparePageOrientation(const ComparePageInfo& info)
{
    // The orientation whose grid shows more models, then larger maps; landscape (a row, like the window) on ties.
    auto score = [&](QPageLayout::Orientation o) {
        const ComparePageLayout l = layoutComparePage(info, QRectF(QPointF(0, 0), QSizeF(a4Pixels(150, o))), 150);
        const auto placed =
            std::count_if(l.cells.begin(), l.cells.end(), [](const CompareCellLayout& c) { return !c.cell.isEmpty(); });
        return std::make_pair(static_cast<double>(placed), l.imageSide);
    };
    return score(QPageLayout::Portrait) > score(QPageLayout::Landscape) ? QPageLayout::Portrait
                                                                        : QPageLayout::Landscape;
}

QRectF comparePageRect(const ComparePageInfo& info, double dpi)
{
    return QRectF(QPointF(0, 0), QSizeF(a4Pixels(static_cast<int>(std::lround(dpi)), comparePageOrientation(info))));
}

void paintComparePage(QPainter& p, const QRectF& page, double dpi, const ComparePageInfo& info)
{
    const Units u{dpi};
    const ComparePageLayout layout = layoutComparePage(info, page, dpi);
    const QRectF& content = layout.content;
    const double smallH = u.line(kSmallPt);
    const QFont small = u.font(kSmallPt);
    const QFont smallBold = u.font(kSmallPt, true);
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);

    // Header.
    const QString date = info.date.isValid() ? info.date.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
    const QString file = info.imageName.isEmpty() ? QStringLiteral("(unnamed image)") : info.imageName;
    double y =
        drawPageHeader(p, u, content, QStringLiteral("ConvLens · model comparison"), file, date, Qt::ElideMiddle) +
        u.mm(1.0);
    const double keyW = u.mm(18.0);
    QString classText = QStringLiteral("each model's top class (bold in its predictions)");
    if (info.classIndex >= 0) {
        const QString label = classLabel(info, info.classIndex);
        classText = label.isEmpty() ? QStringLiteral("class %1").arg(info.classIndex)
                                    : QStringLiteral("%1 (class %2)").arg(label).arg(info.classIndex);
    }
    const QString method = methodName(info.method);
    y = drawHeaderField(p, u, content, y, keyW, QStringLiteral("Class"), classText, Qt::ElideRight);
    const int models = static_cast<int>(info.cells.size());
    y = drawHeaderField(p, u, content, y, keyW, QStringLiteral("Method"),
                        QStringLiteral("%1%2 · %3 model%4")
                            .arg(method, layout.guided ? QStringLiteral(" (at the input)") : QString())
                            .arg(models)
                            .arg(models == 1 ? QString() : QStringLiteral("s")),
                        Qt::ElideRight);
    drawRule(p, u, content, y + u.mm(3.0));

    // Legend: "low [bar] high  what the scale is", or what a guided image shows.
    const QRectF& legend = layout.legend;
    const std::vector<const CamResult*> cams = shownCams(info);
    const bool anyMap = std::any_of(cams.begin(), cams.end(), [](const CamResult* cam) { return cam != nullptr; });
    if (!anyMap) {
        drawText(p, legend, QStringLiteral("No model has a %1 map of this class.").arg(method), smallBold, kWrong);
    } else if (layout.guided) {
        drawText(p, legend,
                 QStringLiteral("%1 shows each model's gradient at the input: colour is the gradient's sign and size, "
                                "not a scale.")
                     .arg(method),
                 small, kMuted);
    } else {
        const QFontMetricsF fm(small);
        const float range = layout.scale.high - layout.scale.low;
        const QString low = info.sharedScale ? rawValue(layout.scale.low, range) : QStringLiteral("low");
        const QString high = info.sharedScale ? rawValue(layout.scale.high, range) : QStringLiteral("high");
        const double lowW = fm.horizontalAdvance(low) + 1, highW = fm.horizontalAdvance(high) + 1;
        const double barW = u.mm(30.0), barH = u.mm(2.2), gap = u.mm(1.5);
        double x = legend.left();
        drawText(p, QRectF(x, legend.top(), lowW, legend.height()), low, small, kMuted);
        x += lowW + gap;
        p.drawImage(QRectF(x, legend.center().y() - barH / 2, barW, barH), colorBar(info.colormap, 256, 8));
        x += barW + gap;
        drawText(p, QRectF(x, legend.top(), highW, legend.height()), high, small, kMuted);
        x += highW + u.mm(4.0);
        const QString scale =
            info.sharedScale
                ? QStringLiteral("One scale over all models: raw values %1 … %2").arg(low, high)
                : QStringLiteral("Each model on its own scale: every map from its lowest to its highest value");
        drawText(p, QRectF(x, legend.top(), legend.right() - x, legend.height()), scale, smallBold, kInk);
    }
    const QStringList note = wrapText(noteText(info, layout.guided), small, layout.note.width(),
                                      std::max(1, static_cast<int>(std::lround(layout.note.height() / smallH))));
    for (qsizetype l = 0; l < note.size(); ++l)
        drawText(p, QRectF(layout.note.left(), layout.note.top() + l * smallH, layout.note.width(), smallH), note[l],
                 small, kMuted);
    if (!layout.omittedNote.isEmpty()) {
        const auto placed = std::count_if(layout.cells.begin(), layout.cells.end(),
                                          [](const CompareCellLayout& c) { return !c.cell.isEmpty(); });
        const auto left = static_cast<qsizetype>(models - placed);
        drawText(p, layout.omittedNote,
                 QStringLiteral("%1 model%2 left out to fit the page; compare fewer models to see them.")
                     .arg(left)
                     .arg(left == 1 ? QString() : QStringLiteral("s")),
                 small, kWrong);
    }

    // Cells.
    for (std::size_t i = 0; i < layout.cells.size(); ++i) {
        const CompareCellLayout& c = layout.cells[i];
        const CompareCellInfo& cellInfo = info.cells[i];
        if (c.cell.isEmpty())
            continue;
        const AnalysisResult* result = cellInfo.result.get();
        QString name = cellInfo.modelName;
        if (name.isEmpty() && result)
            name = QString::fromStdString(result->modelId);
        drawText(p, c.title, name.isEmpty() ? QStringLiteral("(unnamed model)") : name, u.font(kBodyPt, true), kInk);
        if (cellInfo.weights.isEmpty())
            drawText(p, c.weights, QStringLiteral("untrained weights"), small, kWrong);
        else
            drawText(p, c.weights, reportWeightsText(cellInfo.weights, info.fullPaths), small, kMuted,
                     Qt::AlignLeft | Qt::AlignVCenter, Qt::ElideMiddle);

        if (!c.error.isEmpty()) {
            p.setPen(QPen(kWrong, u.mm(0.3)));
            p.setBrush(QColor(0xfd, 0xed, 0xec));
            p.drawRect(c.error);
            const QRectF inner = c.error.adjusted(u.mm(2.0), u.mm(2.0), -u.mm(2.0), -u.mm(2.0));
            const QString error =
                cellInfo.error.isEmpty() ? QStringLiteral("No result for this model.") : cellInfo.error;
            const int lines = std::max(1, static_cast<int>(inner.height() / smallH));
            const QStringList wrapped = wrapText(error, small, inner.width(), lines);
            for (qsizetype l = 0; l < wrapped.size(); ++l)
                drawText(p, QRectF(inner.left(), inner.top() + l * smallH, inner.width(), smallH), wrapped[l], small,
                         kWrong);
            continue;
        }
        if (!result)
            continue;

        const int classIndex = compareClass(info, *result);
        const CamResult* cam = result->findCam(info.method, classIndex);
        QImage shown = result->input;
        if (cam && !cam->guided.empty()) {
            const QImage guided = guidedImage(*cam);
            if (!guided.isNull())
                shown = guided;
        } else if (cam) {
            std::vector<float> heatmap = info.sharedScale ? scaledHeatmap(*cam, layout.scale) : cam->heatmap;
            if (heatmap.empty())
                heatmap = cam->heatmap;  // no raw grid: the map's own scale is all there is
            shown = heatmapOverInput(result->input, heatmap, cam->heatmapSize, info.colormap, info.opacity);
        }
        if (shown.isNull()) {
            p.setPen(QPen(kRule, u.mm(0.3), Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRect(c.image);
        } else {
            drawFitted(p, c.image, shown, true);
        }
        if (!c.colorBar.isEmpty())
            p.drawImage(c.colorBar, colorBar(info.colormap, 256, 8));

        // Top-3, the explained class in bold.
        const auto& top = result->prediction.top;
        // Measured in bold: the explained class's row is bold, and a regular measure elides its "100.0%".
        const QFontMetricsF fm(smallBold);
        const double valueW = fm.horizontalAdvance(QStringLiteral("100.0%")) + u.mm(1.0);
        if (top.empty())
            drawText(p, QRectF(c.predictions.left(), c.predictions.top(), c.predictions.width(), smallH),
                     QStringLiteral("No predictions"), small, kMuted);
        for (std::size_t k = 0; k < top.size() && k < static_cast<std::size_t>(kTopClasses); ++k) {
            const bool chosen = top[k].index == classIndex;
            const QFont& font = chosen ? smallBold : small;
            const QRectF row(c.predictions.left(), c.predictions.top() + static_cast<double>(k) * smallH,
                             c.predictions.width(), smallH);
            drawText(p, QRectF(row.left(), row.top(), row.width() - valueW, smallH),
                     QStringLiteral("%1. %2").arg(k + 1).arg(QString::fromStdString(top[k].label)), font,
                     chosen ? kInk : kMuted);
            drawText(p, QRectF(row.right() - valueW, row.top(), valueW, smallH), percent(top[k].probability), font,
                     chosen ? kInk : kMuted, Qt::AlignRight | Qt::AlignVCenter);
        }

        // Faithfulness, or why there is no map.
        const QRectF line1(c.caption.left(), c.caption.top(), c.caption.width(), smallH);
        const QRectF line2 = line1.translated(0, smallH);
        if (!cam) {
            drawText(p, line1, QStringLiteral("No %1 map for this class").arg(method), small, kWrong);
            const QString label = classLabel(info, classIndex);
            drawText(p, line2,
                     classIndex < 0 ? QStringLiteral("(no class to explain)")
                                    : (label.isEmpty() ? QStringLiteral("class %1").arg(classIndex) : label),
                     small, kMuted);
            continue;
        }
        const Faithfulness& f = cam->faithfulness;
        drawText(p, line1,
                 f.measured ? QStringLiteral("confidence %1 → %2")
                                  .arg(f.confidence, 0, 'f', 2)
                                  .arg(f.maskedConfidence, 0, 'f', 2)
                            : QStringLiteral("faithfulness not measured"),
                 small, kInk);
        QString second = !f.measured     ? QString()
                         : f.increase > 0 ? QStringLiteral("increase")
                                          : QStringLiteral("drop %1").arg(f.drop, 0, 'f', 2);
        if (const std::optional<double> peak = peakOnScale(*cam, layout.scale); info.sharedScale && peak)
            second += QStringLiteral(" · peak %1%").arg(*peak, 0, 'f', 0);
        drawText(p, line2, second, small, kMuted);
    }
    p.restore();
}

QImage renderComparePage(const ComparePageInfo& info, int dpi)
{
    dpi = std::clamp(dpi, 36, 1200);
    QImage image = blankPage(a4Pixels(dpi, comparePageOrientation(info)), dpi);
    QPainter painter(&image);
    paintComparePage(painter, QRectF(QPointF(0, 0), QSizeF(image.size())), dpi, info);
    painter.end();
    return image;
}

Expected<void> writeComparePdf(const QString& fileName, const ComparePageInfo& info)
{
    return writePagesPdf(
        fileName, QStringLiteral("ConvLens comparison — %1").arg(info.imageName), 1,
        [&](QPainter& p, const QRectF& page, int dpi, int) { paintComparePage(p, page, dpi, info); },
        comparePageOrientation(info));
}

}  // namespace convlens
