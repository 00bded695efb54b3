#include "core/report/reportpage.h"

#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "core/report/pagestyle.h"
#include "core/report/reportimage.h"

#include <QDir>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace convlens {

namespace {

using namespace pagestyle;

// Millimetres on paper.
constexpr double kInputMm = 52.0;       // the network's input
constexpr double kSmallInputMm = 40.0;  // ... on a crowded page
constexpr double kMaxCellMm = 42.0;     // a map of the grid at full size
constexpr double kMaxTileMm = 21.0;     // a channel tile at full size
constexpr int kTileColumns = 8;

// The methods of the grid: those asked for that the result has, else every method of the result in order.
std::vector<std::string> chosenMethods(const AnalysisResult& result, const ReportPageInfo& info)
{
    std::vector<std::string> methods;
    auto has = [&](const std::string& m) {
        return std::any_of(result.cams.begin(), result.cams.end(), [&](const CamResult& c) { return c.method == m; });
    };
    if (!info.methods.empty()) {
        for (const std::string& m : info.methods)
            if (has(m) && std::find(methods.begin(), methods.end(), m) == methods.end())
                methods.push_back(m);
        return methods;
    }
    for (const CamResult& cam : result.cams)
        if (std::find(methods.begin(), methods.end(), cam.method) == methods.end())
            methods.push_back(cam.method);
    return methods;
}

// The grid's columns: the top-K classes that have a map of a chosen method, then other explained classes.
std::vector<int> chosenClasses(const AnalysisResult& result, const std::vector<std::string>& methods)
{
    std::vector<int> classes;
    auto explained = [&](int c) {
        return std::any_of(result.cams.begin(), result.cams.end(), [&](const CamResult& cam) {
            return cam.classIndex == c && std::find(methods.begin(), methods.end(), cam.method) != methods.end();
        });
    };
    auto add = [&](int c) {
        if (explained(c) && std::find(classes.begin(), classes.end(), c) == classes.end())
            classes.push_back(c);
    };
    for (const ClassScore& score : result.prediction.top)
        add(score.index);
    for (const CamResult& cam : result.cams)
        add(cam.classIndex);
    return classes;
}

std::vector<const LayerResult*> chosenLayers(const AnalysisResult& result, const ReportPageInfo& info)
{
    std::vector<const LayerResult*> layers;
    if (info.tilesPerLayer <= 0)
        return layers;
    if (info.layers.empty()) {
        for (const LayerResult& layer : result.layers)
            if (!layer.tiles.empty())
                layers.push_back(&layer);
        return layers;
    }
    for (const std::string& name : info.layers)
        for (const LayerResult& layer : result.layers)
            if (layer.name == name && !layer.tiles.empty())
                layers.push_back(&layer);
    return layers;
}

const CamResult* findCam(const AnalysisResult& result, const std::string& method, int classIndex)
{
    for (const CamResult& cam : result.cams)
        if (cam.method == method && cam.classIndex == classIndex)
            return &cam;
    return nullptr;
}

QString classLabel(const AnalysisResult& result, int classIndex)
{
    for (const ClassScore& s : result.prediction.top)
        if (s.index == classIndex)
            return QString::fromStdString(s.label);
    for (const CamResult& cam : result.cams)
        if (cam.classIndex == classIndex)
            return QString::fromStdString(cam.label);
    return QStringLiteral("class %1").arg(classIndex);
}

QString methodLayer(const AnalysisResult& result, const std::string& method)
{
    for (const CamResult& cam : result.cams)
        if (cam.method == method)
            return cam.layer == "input" ? QStringLiteral("at the input")
                                        : QStringLiteral("at %1").arg(QString::fromStdString(cam.layer));
    return {};
}

QStringList layerStats(const LayerResult& layer)
{
    return {shapeText(layer.shape), QStringLiteral("sparsity %1%").arg(layer.sparsity * 100.0, 0, 'f', 1),
            QStringLiteral("%1 dead channel%2")
                .arg(layer.deadChannels)
                .arg(layer.deadChannels == 1 ? QString() : QStringLiteral("s"))};
}

constexpr double kLabelColumnMm = 26.0;  // row labels left of the map grid and the tiles

// Lays out the parts below the top row; `maps` and `tiles` in [0, 1] size them from the smallest that still holds
// their captions (0) to full size (1). Returns the bottom edge.
double layoutLower(ReportLayout& layout, const AnalysisResult& result, const Units& u, double top, double maps,
                   double tiles, const std::vector<std::string>& methods, const std::vector<int>& classes,
                   const std::vector<const LayerResult*>& layers, int tilesPerLayer)
{
    const QRectF& content = layout.content;
    const double width = content.width();
    const double labelW = u.mm(kLabelColumnMm);
    const double gridLeft = content.left() + labelW + u.mm(3.0);
    const double gridWidth = content.right() - gridLeft;
    const double smallH = u.line(kSmallPt);
    const double bodyBoldH = u.line(kBodyPt, true);
    const QFont small = u.font(kSmallPt);
    double y = top;
    layout.camTitle = layout.camNote = layout.camLegend = layout.layersTitle = QRectF();
    layout.camMethods = methods;
    layout.camClasses = classes;
    layout.camColumnHeaders.clear();
    layout.camRowTitles.clear();
    layout.cams.clear();
    layout.layers.clear();

    if (!methods.empty() && !classes.empty()) {
        const double titleH = u.line(kSectionPt, true);
        layout.camTitle = QRectF(content.left(), y, width * 0.6, titleH);
        layout.camLegend = QRectF(content.left() + width * 0.6, y, width * 0.4, titleH);
        y += titleH + u.mm(0.5);
        layout.camNote = QRectF(content.left(), y, width, smallH);
        y += smallH + u.mm(2.5);

        const int columns = static_cast<int>(classes.size());
        const double gap = u.mm(3.0);
        const double fullCell = std::min(u.mm(kMaxCellMm), (gridWidth - (columns - 1) * gap) / columns);
        const double minCell = std::min(
            fullCell, std::max(u.mm(16.0), QFontMetricsF(small).horizontalAdvance(QStringLiteral("0.00 → 0.00")) + 2));
        const double cell = std::floor(minCell + (fullCell - minCell) * maps);
        layout.scale = cell / fullCell;
        const double pitch = cell + gap;
        // Class names take two lines when the maps are narrow.
        int labelLines = 1;
        for (int c : classes)
            labelLines = std::max<int>(
                labelLines,
                wrapText(QStringLiteral("✔ ") + classLabel(result, c), u.font(kBodyPt, true), cell, 2).size());
        const double headerH = labelLines * bodyBoldH + smallH;
        for (int c = 0; c < columns; ++c)
            layout.camColumnHeaders.emplace_back(gridLeft + c * pitch, y, cell, headerH);
        y += headerH + u.mm(1.5);
        // Faithfulness on one line when the map is wide enough for it.
        const bool oneLine = QFontMetricsF(small).horizontalAdvance(QStringLiteral("0.00 → 0.00, drop 0.00")) <= cell;
        const double captionH = (oneLine ? 1 : 2) * smallH;
        for (const std::string& method : methods) {
            const QStringList name =
                wrapText(methodName(QString::fromStdString(method)), u.font(kBodyPt, true), labelW, 2);
            const double labelH = name.size() * bodyBoldH + smallH;
            layout.camRowTitles.emplace_back(content.left(), y, labelW, labelH);
            for (int c = 0; c < columns; ++c) {
                ReportCamCell cellLayout;
                cellLayout.method = method;
                cellLayout.classIndex = classes[static_cast<std::size_t>(c)];
                const double x = gridLeft + c * pitch;
                cellLayout.image = QRectF(x, y, cell, cell);
                cellLayout.colorBar = QRectF(x, y + cell + u.mm(0.8), cell, u.mm(1.6));
                cellLayout.caption = QRectF(x, cellLayout.colorBar.bottom() + u.mm(0.6), cell, captionH);
                layout.cams.push_back(cellLayout);
            }
            y += std::max(cell + u.mm(0.8 + 1.6 + 0.6) + captionH, labelH) + u.mm(3.0);
        }
        y += u.mm(2.0);
    }

    if (!layers.empty()) {
        const double titleH = u.line(kSectionPt, true);
        layout.layersTitle = QRectF(content.left(), y, width, titleH);
        y += titleH + u.mm(2.0);
        const double gap = u.mm(2.5);
        const double fullTile = std::min(u.mm(kMaxTileMm), (gridWidth - (kTileColumns - 1) * gap) / kTileColumns);
        const double minTile = std::min(
            fullTile, std::max(u.mm(9.0), QFontMetricsF(small).horizontalAdvance(QStringLiteral("ch 2047")) + 2));
        const double tile = std::floor(minTile + (fullTile - minTile) * tiles);
        // Small tiles take more of them a row rather than leaving the page's right half empty; rows are balanced.
        const int maxPerRow = std::max(1, static_cast<int>((gridWidth + gap) / (tile + gap)));
        int most = 1;
        for (const LayerResult* layer : layers)
            most = std::max(most, std::min(tilesPerLayer, static_cast<int>(layer->tiles.size())));
        const int rowsNeeded = (most + maxPerRow - 1) / maxPerRow;
        const int perRow = (most + rowsNeeded - 1) / rowsNeeded;
        const bool oneLine = QFontMetricsF(small).horizontalAdvance(QStringLiteral("ch 2047 · 0.00")) <= tile;
        const double captionH = (oneLine ? 1 : 2) * smallH;
        const double rowPitch = tile + u.mm(0.6) + captionH + u.mm(1.5);
        for (const LayerResult* layer : layers) {
            ReportLayerBlock block;
            block.layer = layer->name;
            const QStringList name = wrapText(QString::fromStdString(layer->name), u.font(kBodyPt, true), labelW, 2);
            const double labelH = name.size() * bodyBoldH + layerStats(*layer).size() * smallH;
            block.title = QRectF(content.left(), y, labelW, labelH);
            const int count = std::min(tilesPerLayer, static_cast<int>(layer->tiles.size()));
            for (int i = 0; i < count; ++i) {
                const double ty = y + (i / perRow) * rowPitch;
                ReportTileCell t;
                t.channel = layer->tiles[static_cast<std::size_t>(i)].channel;
                t.image = QRectF(gridLeft + (i % perRow) * (tile + gap), ty, tile, tile);
                t.caption = QRectF(t.image.left(), t.image.bottom() + u.mm(0.6), tile, captionH);
                block.tiles.push_back(t);
            }
            const int rows = (count + perRow - 1) / perRow;
            y += std::max(rows * rowPitch, labelH) + u.mm(2.5);
            layout.layers.push_back(std::move(block));
        }
    }
    return y;
}

}  // namespace

QFont pageFont(double points, double dpi, bool bold)
{
    QFont f(QStringLiteral("DejaVu Sans"));
    f.setStyleHint(QFont::SansSerif);
    f.setPixelSize(std::max(1, static_cast<int>(std::lround(points * dpi / 72.0))));
    f.setBold(bold);
    return f;
}

QImage camDisplayImage(const AnalysisResult& result, const CamResult& cam, Colormap colormap, float opacity)
{
    if (!cam.guided.empty()) {
        const QImage guided = guidedImage(cam);
        if (!guided.isNull())
            return guided;
    }
    return heatmapOverInput(result.input, cam.heatmap, cam.heatmapSize, colormap, opacity);
}

QImage heatmapOverInput(const QImage& input, const std::vector<float>& heatmap, int size, Colormap colormap,
                        float opacity)
{
    if (input.isNull())
        return heatmapImage(heatmap, size, colormap);
    QImage base = input;
    if (base.width() != size || base.height() != size)
        base = base.scaled(size, size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    const QImage overlay = overlayHeatmap(base, heatmap, size, colormap, opacity);
    return overlay.isNull() ? input : overlay;
}

ReportLayout layoutReportPage(const AnalysisResult& result, const ReportPageInfo& info, const QRectF& page, double dpi)
{
    const Units u{dpi};
    ReportLayout layout;
    layout.page = page;
    const double margin = u.mm(kMarginMm);
    layout.content = page.adjusted(margin, margin, -margin, -margin);
    const QRectF& content = layout.content;
    const double width = content.width();

    // Header: top line (report, date), file name, model, weights; then the banner.
    double y = content.top();
    y += u.line(kSmallPt) + u.mm(1.0);
    y += u.line(kTitlePt, true) + u.mm(1.0);
    y += 2 * u.line(kBodyPt);
    layout.header = QRectF(content.left(), content.top(), width, y - content.top());
    if (info.weights.isEmpty()) {
        y += u.mm(2.0);
        layout.banner = QRectF(content.left(), y, width, u.line(10.5, true) + u.mm(3.0));
        y = layout.banner.bottom();
    }
    y += u.mm(3.0) + u.mm(5.0);  // the rule sits 3 mm below the header

    // Top row: input on the left, the bar chart beside it.
    const bool hasInput = !result.input.isNull();
    const double captionH = u.line(kSmallPt);
    // Returns the top of the maps below it.
    auto topRow = [&](double inputMm) {
        const double inputSide = hasInput ? u.mm(inputMm) : 0.0;
        layout.predictions.clear();
        layout.chartNote = QRectF();
        if (hasInput) {
            layout.input = QRectF(content.left(), y, inputSide, inputSide);
            layout.inputCaption = QRectF(content.left(), y + inputSide + u.mm(1.0), inputSide, captionH);
        }
        if (!info.predictions) {
            layout.chartTitle = QRectF();
            return (hasInput ? layout.inputCaption.bottom() : y - u.mm(5.0)) + u.mm(7.0);
        }
        const double chartLeft = hasInput ? content.left() + inputSide + u.mm(8.0) : content.left();
        const double chartWidth = content.right() - chartLeft;
        layout.chartTitle = QRectF(chartLeft, y, chartWidth, u.line(kSectionPt, true));
        const double rowH = u.line(kBodyPt) + u.mm(2.4);
        const bool truthShown = std::any_of(result.prediction.top.begin(), result.prediction.top.end(),
                                            [&](const ClassScore& s) { return s.index == info.truth; });
        const bool noteNeeded = info.truth >= 0;
        const double chartTop = layout.chartTitle.bottom() + u.mm(2.0);
        const double maxChart = std::max(inputSide + u.mm(1.0) + captionH, u.mm(70.0));
        const int fitRows =
            std::max(1, static_cast<int>(
                            (maxChart - (chartTop - y) - (noteNeeded ? captionH + u.mm(1.0) : 0.0) - captionH) / rowH));
        const int total = static_cast<int>(result.prediction.top.size());
        const int rows = total <= fitRows + 1 ? total : fitRows;  // one more row rather than a "+1 more" line
        const double labelW = std::round(chartWidth * 0.42);
        const double valueW = u.mm(16.0);
        for (int i = 0; i < rows; ++i) {
            const ClassScore& s = result.prediction.top[static_cast<std::size_t>(i)];
            ReportPredictionRow row;
            row.classIndex = s.index;
            row.truth = s.index == info.truth;
            const double ry = chartTop + i * rowH;
            row.label = QRectF(chartLeft, ry, labelW - u.mm(2.0), rowH);
            row.bar = QRectF(chartLeft + labelW, ry + (rowH - u.mm(3.2)) / 2, chartWidth - labelW - valueW - u.mm(2.0),
                             u.mm(3.2));
            row.value = QRectF(chartLeft + chartWidth - valueW, ry, valueW, rowH);
            layout.predictions.push_back(row);
        }
        double chartBottom = chartTop + rows * rowH;
        if (noteNeeded || rows < total) {
            const int lines = (noteNeeded && !truthShown ? 1 : 0) + (rows < total ? 1 : 0) + (noteNeeded && truthShown);
            layout.chartNote = QRectF(chartLeft, chartBottom + u.mm(1.0), chartWidth, std::max(1, lines) * captionH);
            chartBottom = layout.chartNote.bottom();
        }
        const double topRowBottom = std::max(hasInput ? layout.inputCaption.bottom() : y, chartBottom);
        return topRowBottom + u.mm(7.0);
    };
    double lowerTop = topRow(kInputMm);

    // Maps and tiles: the largest sizes at which everything fits; when even the smallest do not, layers are left
    // out, then methods.
    std::vector<std::string> methods = info.maps ? chosenMethods(result, info) : std::vector<std::string>{};
    const std::vector<int> classes = chosenClasses(result, methods);
    std::vector<const LayerResult*> layers =
        info.featureMaps ? chosenLayers(result, info) : std::vector<const LayerResult*>{};
    const int tilesPerLayer = std::max(0, info.tilesPerLayer);
    int leftOutLayers = 0;
    int leftOutMethods = 0;
    const double noteH = captionH + u.mm(1.0);
    // A crowded page shows the input smaller rather than the maps.
    if (layoutLower(layout, result, u, lowerTop, 1.0, 1.0, methods, classes, layers, tilesPerLayer) > content.bottom())
        lowerTop = topRow(kSmallInputMm);
    for (;;) {
        const bool leftOut = leftOutLayers > 0 || leftOutMethods > 0;
        const double bottom = content.bottom() - (leftOut ? noteH : 0.0);
        auto fits = [&](double maps, double tiles) {
            return layoutLower(layout, result, u, lowerTop, maps, tiles, methods, classes, layers, tilesPerLayer) <=
                   bottom + 0.5;
        };
        // The largest size that fits: tiles give way first, then maps.
        auto largest = [&](auto fitsAt) {
            double lo = 0.0, hi = 1.0;
            for (int i = 0; i < 20; ++i) {
                const double mid = (lo + hi) / 2;
                (fitsAt(mid) ? lo : hi) = mid;
            }
            fitsAt(lo);
        };
        if (fits(1.0, 1.0))
            break;
        if (fits(1.0, 0.0)) {
            largest([&](double t) { return fits(1.0, t); });
            break;
        }
        if (fits(0.0, 0.0)) {
            largest([&](double m) { return fits(m, 0.0); });
            break;
        }
        if (!layers.empty()) {
            layers.pop_back();
            ++leftOutLayers;
        } else if (methods.size() > 1) {
            methods.pop_back();
            ++leftOutMethods;
        } else {
            layoutLower(layout, result, u, lowerTop, 0.0, 0.0, {}, {}, {}, 0);
            leftOutMethods += static_cast<int>(methods.size());
            break;
        }
    }
    // Guided methods' images are gradients, not a scale: no colour bar under them.
    for (ReportCamCell& cell : layout.cams)
        if (const CamResult* cam = findCam(result, cell.method, cell.classIndex); cam && !cam->guided.empty())
            cell.colorBar = QRectF();
    if (leftOutLayers > 0 || leftOutMethods > 0) {
        QStringList parts;
        if (leftOutMethods > 0)
            parts << QStringLiteral("%1 method%2")
                         .arg(leftOutMethods)
                         .arg(leftOutMethods == 1 ? QString() : QStringLiteral("s"));
        if (leftOutLayers > 0)
            parts << QStringLiteral("%1 layer%2")
                         .arg(leftOutLayers)
                         .arg(leftOutLayers == 1 ? QString() : QStringLiteral("s"));
        layout.omitted =
            QStringLiteral("%1 left out to fit the page; choose fewer methods, classes or layers to see them.")
                .arg(parts.join(QStringLiteral(" and ")));
        layout.omittedNote = QRectF(content.left(), content.bottom() - captionH, width, captionH);
    }
    return layout;
}

void paintReportPage(QPainter& p, const QRectF& page, double dpi, const AnalysisResult& result,
                     const ReportPageInfo& info)
{
    const Units u{dpi};
    const ReportLayout layout = layoutReportPage(result, info, page, dpi);
    const QRectF& content = layout.content;
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);

    // Header.
    const double smallH = u.line(kSmallPt);
    const QString date = info.date.isValid() ? info.date.toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString();
    const QString file = info.imageName.isEmpty() ? QStringLiteral("(unnamed image)") : info.imageName;
    double y = drawPageHeader(p, u, content, QStringLiteral("ConvLens · image report"), file, date, Qt::ElideMiddle) +
               u.mm(1.0);
    const double keyW = u.mm(18.0);
    const QString model = info.modelName.isEmpty() ? QString::fromStdString(result.modelId) : info.modelName;
    const QString weights = info.weights.isEmpty() ? QStringLiteral("untrained (random initialisation)")
                                                   : reportWeightsText(info.weights, info.fullPaths);
    y = drawHeaderField(p, u, content, y, keyW, QStringLiteral("Model"), model);
    y = drawHeaderField(p, u, content, y, keyW, QStringLiteral("Weights"), weights);
    if (!layout.banner.isEmpty()) {
        p.fillRect(layout.banner, kWrong);
        drawText(p, layout.banner.adjusted(u.mm(3.0), 0, -u.mm(3.0), 0),
                 QStringLiteral("Untrained weights — predictions are meaningless"), u.font(10.5, true), Qt::white,
                 Qt::AlignCenter);
        y = layout.banner.bottom();
    }
    y += u.mm(3.0);
    drawRule(p, u, content, y);

    // Input.
    if (!layout.input.isEmpty()) {
        drawFitted(p, layout.input, result.input, true);
        drawText(p, layout.inputCaption,
                 QStringLiteral("Input, %1 × %2 px").arg(result.input.width()).arg(result.input.height()),
                 u.font(kSmallPt), kMuted);
    }

    // Predictions.
    if (!layout.chartTitle.isEmpty())
        drawText(p, layout.chartTitle, QStringLiteral("Top-%1 predictions").arg(result.prediction.top.size()),
                 u.font(kSectionPt, true), kInk);
    if (!layout.chartTitle.isEmpty() && result.prediction.top.empty())
        drawText(p, layout.chartTitle.translated(0, layout.chartTitle.height() + u.mm(2.0)),
                 QStringLiteral("No predictions"), u.font(kBodyPt), kMuted);
    for (std::size_t i = 0; i < layout.predictions.size(); ++i) {
        const ReportPredictionRow& row = layout.predictions[i];
        const ClassScore& s = result.prediction.top[i];
        QString label = QString::fromStdString(s.label);
        if (row.truth)
            label = QStringLiteral("✔ ") + label;
        drawText(p, row.label, label, u.font(kBodyPt, i == 0 || row.truth), row.truth ? kRight : kInk);
        p.setPen(Qt::NoPen);
        p.setBrush(kTrack);
        const double radius = row.bar.height() / 2;
        p.drawRoundedRect(row.bar, radius, radius);
        const double filled = std::clamp(static_cast<double>(s.probability), 0.0, 1.0) * row.bar.width();
        p.setBrush(row.truth ? kRight : (i == 0 ? kAccent : kAccent.lighter(145)));
        p.drawRoundedRect(QRectF(row.bar.left(), row.bar.top(), std::max(filled, row.bar.height()), row.bar.height()),
                          radius, radius);
        drawText(p, row.value, percent(s.probability), u.font(kBodyPt, i == 0), kInk,
                 Qt::AlignRight | Qt::AlignVCenter);
    }
    if (!layout.chartNote.isEmpty()) {
        QStringList lines;
        const std::size_t shown = layout.predictions.size();
        if (shown < result.prediction.top.size())
            lines << QStringLiteral("%1 more classes not shown").arg(result.prediction.top.size() - shown);
        if (info.truth >= 0) {
            const bool inTop = std::any_of(layout.predictions.begin(), layout.predictions.end(),
                                           [](const ReportPredictionRow& r) { return r.truth; });
            const QString truth = info.truthLabel.empty() ? QStringLiteral("class %1").arg(info.truth)
                                                          : QString::fromStdString(info.truthLabel);
            lines << (inTop ? QStringLiteral("✔ marks the true class")
                            : QStringLiteral("True class: %1 (not among those shown)").arg(truth));
        }
        for (int i = 0; i < lines.size(); ++i)
            drawText(
                p,
                QRectF(layout.chartNote.left(), layout.chartNote.top() + i * smallH, layout.chartNote.width(), smallH),
                lines[i], u.font(kSmallPt), lines[i].startsWith(QStringLiteral("True")) ? kRight : kMuted);
    }

    // Maps.
    if (!layout.camTitle.isEmpty()) {
        drawText(p, layout.camTitle, QStringLiteral("Class activation maps"), u.font(kSectionPt, true), kInk);
        // Legend: "low [bar] high", right-aligned beside the title.
        const QFont small = u.font(kSmallPt);
        const QFontMetricsF fm(small);
        const double barW = u.mm(30.0), barH = u.mm(2.2);
        const double highW = fm.horizontalAdvance(QStringLiteral("high")) + 1;
        const double lowW = fm.horizontalAdvance(QStringLiteral("low")) + 1;
        const QRectF& legend = layout.camLegend;
        const double right = legend.right();
        const QRectF barRect(right - highW - u.mm(1.5) - barW, legend.center().y() - barH / 2, barW, barH);
        p.drawImage(barRect, colorBar(info.colormap, 256, 8));
        drawText(p, QRectF(right - highW, legend.top(), highW, legend.height()), QStringLiteral("high"), small, kMuted);
        drawText(p, QRectF(barRect.left() - u.mm(1.5) - lowW, legend.top(), lowW, legend.height()),
                 QStringLiteral("low"), small, kMuted);
        drawText(p, layout.camNote,
                 QStringLiteral("Under each map: the class's probability on the image → on image × map, and the "
                                "drop (smaller: a more faithful map)."),
                 small, kMuted);
        for (std::size_t c = 0; c < layout.camClasses.size(); ++c) {
            const QRectF& h = layout.camColumnHeaders[c];
            const int classIndex = layout.camClasses[c];
            const bool truth = classIndex == info.truth;
            QString label = classLabel(result, classIndex);
            if (truth)
                label = QStringLiteral("✔ ") + label;
            const double bodyBold = u.line(kBodyPt, true);
            const int lines = std::max(1, static_cast<int>(std::lround((h.height() - smallH) / bodyBold)));
            const QStringList wrapped = wrapText(label, u.font(kBodyPt, true), h.width(), lines);
            for (qsizetype i = 0; i < wrapped.size(); ++i)
                drawText(p, QRectF(h.left(), h.top() + i * bodyBold, h.width(), bodyBold), wrapped[i],
                         u.font(kBodyPt, true), truth ? kRight : kInk);
            QString sub;
            for (const ClassScore& s : result.prediction.top)
                if (s.index == classIndex)
                    sub = percent(s.probability);
            if (sub.isEmpty())
                sub = QStringLiteral("class %1").arg(classIndex);
            drawText(p, QRectF(h.left(), h.bottom() - smallH, h.width(), smallH), sub, small, kMuted);
        }
        for (std::size_t r = 0; r < layout.camMethods.size(); ++r) {
            const std::string& method = layout.camMethods[r];
            const QRectF& t = layout.camRowTitles[r];
            const QStringList name =
                wrapText(methodName(QString::fromStdString(method)), u.font(kBodyPt, true), t.width(), 2);
            const double bodyBoldH = u.line(kBodyPt, true);
            for (qsizetype i = 0; i < name.size(); ++i)
                drawText(p, QRectF(t.left(), t.top() + i * bodyBoldH, t.width(), bodyBoldH), name[i],
                         u.font(kBodyPt, true), kInk);
            drawText(p, QRectF(t.left(), t.top() + name.size() * bodyBoldH, t.width(), smallH),
                     methodLayer(result, method), small, kMuted);
        }
        for (const ReportCamCell& cell : layout.cams) {
            const CamResult* cam = findCam(result, cell.method, cell.classIndex);
            if (!cam) {
                p.setPen(QPen(kRule, u.mm(0.3), Qt::DashLine));
                p.setBrush(Qt::NoBrush);
                p.drawRect(cell.image);
                drawText(p, cell.image, QStringLiteral("no map"), small, kMuted, Qt::AlignCenter);
                continue;
            }
            const bool guided = !cam->guided.empty();
            drawFitted(p, cell.image, camDisplayImage(result, *cam, info.colormap, info.opacity), true);
            if (!guided && !cell.colorBar.isEmpty())
                p.drawImage(cell.colorBar, colorBar(info.colormap, 256, 8));
            const Faithfulness& f = cam->faithfulness;
            const QString first =
                f.measured ? QStringLiteral("%1 → %2").arg(f.confidence, 0, 'f', 2).arg(f.maskedConfidence, 0, 'f', 2)
                           : QStringLiteral("faithfulness");
            QString second = !f.measured     ? QStringLiteral("not measured")
                             : f.increase > 0 ? QStringLiteral("increase")
                                              : QStringLiteral("drop %1").arg(f.drop, 0, 'f', 2);
            if (cam->road.measured)
                second += QStringLiteral(" · ROAD %1").arg(cam->road.combined, 0, 'f', 3);
            if (cell.caption.height() < 1.5 * smallH) {
                drawText(p, cell.caption, first + QStringLiteral(", ") + second, small, kInk);
            } else {
                drawText(p, QRectF(cell.caption.left(), cell.caption.top(), cell.caption.width(), smallH), first, small,
                         kInk);
                drawText(p, QRectF(cell.caption.left(), cell.caption.top() + smallH, cell.caption.width(), smallH),
                         second, small, kMuted);
            }
        }
    }

    // Channels.
    if (!layout.layersTitle.isEmpty()) {
        drawText(p, layout.layersTitle, QStringLiteral("Strongest channels"), u.font(kSectionPt, true), kInk);
        drawText(p, layout.layersTitle.adjusted(layout.layersTitle.width() * 0.4, 0, 0, 0),
                 QStringLiteral("under each tile: channel · mean activation"), u.font(kSmallPt), kMuted,
                 Qt::AlignRight | Qt::AlignVCenter);
        const QFont small = u.font(kSmallPt);
        for (const ReportLayerBlock& block : layout.layers) {
            const LayerResult* layer = nullptr;
            for (const LayerResult& l : result.layers)
                if (l.name == block.layer)
                    layer = &l;
            if (!layer)
                continue;
            const QStringList name =
                wrapText(QString::fromStdString(layer->name), u.font(kBodyPt, true), block.title.width(), 2);
            const double bodyBoldH = u.line(kBodyPt, true);
            double ly = block.title.top();
            for (const QString& line : name) {
                drawText(p, QRectF(block.title.left(), ly, block.title.width(), bodyBoldH), line, u.font(kBodyPt, true),
                         kInk);
                ly += bodyBoldH;
            }
            for (const QString& line : layerStats(*layer)) {
                drawText(p, QRectF(block.title.left(), ly, block.title.width(), smallH), line, small, kMuted);
                ly += smallH;
            }
            for (std::size_t i = 0; i < block.tiles.size(); ++i) {
                const ReportTileCell& t = block.tiles[i];
                const ChannelTile& tile = layer->tiles[i];
                drawFitted(p, t.image, tile.image, false);
                p.setPen(QPen(kRule, u.mm(0.2)));
                p.setBrush(Qt::NoBrush);
                p.drawRect(t.image);
                const QString channel = QStringLiteral("ch %1").arg(tile.channel);
                const QString mean = QString::number(tile.mean, 'f', 2);
                if (t.caption.height() < 1.5 * smallH) {
                    drawText(p, t.caption, channel + QStringLiteral(" · ") + mean, small, kInk);
                } else {
                    drawText(p, QRectF(t.caption.left(), t.caption.top(), t.caption.width(), smallH), channel, small,
                             kInk);
                    drawText(p, QRectF(t.caption.left(), t.caption.top() + smallH, t.caption.width(), smallH), mean,
                             small, kMuted);
                }
            }
        }
    }

    if (!layout.omittedNote.isEmpty())
        drawText(p, layout.omittedNote, layout.omitted, u.font(kSmallPt), kMuted);
    p.restore();
}

QImage renderReportPage(const AnalysisResult& result, const ReportPageInfo& info, int dpi)
{
    dpi = std::clamp(dpi, 36, 1200);
    QImage image = blankPage(a4Pixels(dpi), dpi);
    QPainter painter(&image);
    paintReportPage(painter, QRectF(QPointF(0, 0), QSizeF(image.size())), dpi, result, info);
    painter.end();
    return image;
}

Expected<void> writeReportPdf(const QString& fileName, const AnalysisResult& result, const ReportPageInfo& info)
{
    return writePagesPdf(
        fileName, QStringLiteral("ConvLens report — %1").arg(info.imageName), 1,
        [&](QPainter& p, const QRectF& page, int dpi, int) { paintReportPage(p, page, dpi, result, info); });
}

Expected<void> writeReportFiles(const QString& baseName, const AnalysisResult& result, const ReportPageInfo& info)
{
    const QString folder = QFileInfo(baseName).absolutePath();
    if (!QDir().mkpath(folder))
        return makeError(ErrorKind::Internal, "cannot create the folder " + folder.toStdString());
    const QString png = baseName + QStringLiteral(".png");
    if (!renderReportPage(result, info).save(png))
        return makeError(ErrorKind::Internal, "could not write " + png.toStdString());
    return writeReportPdf(baseName + QStringLiteral(".pdf"), result, info);
}

QImage reportCellImage(const AnalysisResult& result, const ReportPageInfo& info, int size)
{
    size = std::max(8, size);
    QImage cell(size, size, QImage::Format_RGB32);
    cell.fill(Qt::white);
    QImage shown = result.input;
    if (!result.prediction.top.empty()) {
        const int top1 = result.prediction.top.front().index;
        const std::vector<std::string> methods = chosenMethods(result, info);
        for (const std::string& method : methods)
            if (const CamResult* cam = findCam(result, method, top1)) {
                // The heatmap, never a guided method's gradient image: a thumbnail shows where, not how.
                CamResult heat = *cam;
                heat.guided.clear();
                shown = camDisplayImage(result, heat, info.colormap, info.opacity);
                break;
            }
    }
    if (shown.isNull())
        return cell;
    // Fill the square (centre crop), as the network's crop already is for square inputs.
    const QImage scaled = shown.scaled(size, size, Qt::KeepAspectRatioByExpanding, Qt::SmoothTransformation);
    QPainter p(&cell);
    p.drawImage(QPointF((size - scaled.width()) / 2.0, (size - scaled.height()) / 2.0), scaled);
    return cell;
}

}  // namespace convlens
