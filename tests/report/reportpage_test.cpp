// The report pages, drawn from hand-made results: page size, where the maps and labels land (through the layout
// functions), that nothing leaves the margins whatever the label lengths, the untrained banner, the PDF files, the
// contact sheets' pagination and the summary page's numbers.
#include "core/report/reportpage.h"
#include "core/report/batchsheets.h"
#include "core/report/reportimage.h"
#include "tests/report/pagetest.h"

#include <gtest/gtest.h>

#include <QDir>
#include <QTemporaryDir>

#include <cmath>

namespace convlens {
namespace {

using namespace pagetest;

QImage tile(int side, int seed)
{
    QImage image(side, side, QImage::Format_Grayscale8);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            image.scanLine(y)[x] = static_cast<uchar>(
                127.5 + 127.5 * std::sin(0.7 * (x + seed) + 0.45 * y * (1 + seed % 3)) * std::cos(0.3 * x * seed));
    return image;
}

// Top-5 of a cat picture; `methods` explained for the first `classes` classes; two layers of `tiles` tiles.
AnalysisResult sampleResult(const std::vector<std::string>& methods = {"gradcam", "guided"}, int classes = 3,
                            int tiles = 8, const std::string& firstLabel = "tabby, tabby cat")
{
    AnalysisResult r;
    r.imageSha256 = "abc123";
    r.modelId = "resnet50";
    r.weights = "/weights/resnet50-0676ba61.pth";
    r.input = sampleInput();
    const std::vector<std::pair<std::string, float>> top = {{firstLabel, 0.62f},
                                                            {"tiger cat", 0.21f},
                                                            {"Egyptian cat", 0.09f},
                                                            {"lynx, catamount", 0.03f},
                                                            {"remote control, remote", 0.0004f}};
    const int indices[] = {281, 282, 285, 287, 761};
    for (std::size_t i = 0; i < top.size(); ++i)
        r.prediction.top.push_back(ClassScore{indices[i], top[i].first, top[i].second});
    for (const std::string& method : methods)
        for (int c = 0; c < classes; ++c) {
            CamResult cam;
            cam.method = method;
            cam.classIndex = indices[c];
            cam.label = top[static_cast<std::size_t>(c)].first;
            cam.layer = method == "guided" ? "input" : "layer4";
            cam.heatmapSize = kSize;
            cam.heatmap = hotTopLeft();
            if (method == "guided") {
                cam.guided.resize(3 * cam.heatmap.size());
                for (std::size_t i = 0; i < cam.guided.size(); ++i)
                    cam.guided[i] = cam.heatmap[i % cam.heatmap.size()] * std::sin(0.9f * static_cast<float>(i % 977));
            }
            cam.faithfulness = Faithfulness{top[static_cast<std::size_t>(c)].second, 0.4f, 0.22f, 0.0f, true};
            r.cams.push_back(std::move(cam));
        }
    for (int l = 0; l < 2; ++l) {
        LayerResult layer;
        layer.name = l == 0 ? "layer3" : "layer4";
        const int side = l == 0 ? 14 : 7;
        layer.shape = {l == 0 ? 1024 : 2048, side, side};
        layer.sparsity = l == 0 ? 0.41f : 0.63f;
        layer.deadChannels = l == 0 ? 0 : 3;
        for (int t = 0; t < tiles; ++t)
            layer.tiles.push_back(ChannelTile{37 * t + 5 * l, 2.5f - 0.2f * t, tile(side, t + 1), tile(side, t + 1)});
        r.layers.push_back(std::move(layer));
    }
    return r;
}

ReportPageInfo sampleInfo()
{
    ReportPageInfo info;
    info.imageName = QStringLiteral("val/n02123045/ILSVRC2012_val_00000293.JPEG");
    info.modelName = QStringLiteral("ResNet-50");
    info.weights = QStringLiteral("/weights/resnet50-0676ba61.pth");
    info.date = QDateTime(QDate(2024, 5, 17), QTime(14, 3));
    return info;
}

const ReportCamCell* cell(const ReportLayout& layout, const std::string& method, int classIndex)
{
    for (const ReportCamCell& c : layout.cams)
        if (c.method == method && c.classIndex == classIndex)
            return &c;
    return nullptr;
}

TEST(ReportPage, IsA4AtTheGivenResolution)
{
    const AnalysisResult r = sampleResult();
    const QImage page150 = renderReportPage(r, sampleInfo());
    EXPECT_EQ(page150.size(), QSize(1240, 1754));
    const QImage page72 = renderReportPage(r, sampleInfo(), 72);
    EXPECT_EQ(page72.size(), QSize(595, 842));
    EXPECT_EQ(page150.pixel(2, 2), qRgb(255, 255, 255));
    keepSample(page150, QStringLiteral("report_trained.png"));
}

TEST(ReportPage, OverlayIsHotWhereTheHeatmapIs)
{
    const AnalysisResult r = sampleResult();
    const ReportPageInfo info = sampleInfo();
    const QImage page = renderReportPage(r, info);
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    ASSERT_EQ(layout.camMethods, (std::vector<std::string>{"gradcam", "guided"}));
    ASSERT_EQ(layout.camClasses, (std::vector<int>{281, 282, 285}));
    ASSERT_EQ(layout.cams.size(), 6u);
    const ReportCamCell* gradcam = cell(layout, "gradcam", 281);
    ASSERT_NE(gradcam, nullptr);
    ASSERT_FALSE(gradcam->image.isEmpty());
    EXPECT_TRUE(layout.content.contains(gradcam->image));
    // Jet: hot is red, cold is blue, blended half over the grey input.
    const QColor hot = at(page, gradcam->image, 0.25, 0.25);
    const QColor cold = at(page, gradcam->image, 0.8, 0.8);
    EXPECT_GT(hot.red(), hot.blue() + 60) << hot.name().toStdString();
    EXPECT_GT(cold.blue(), cold.red() + 40) << cold.name().toStdString();
    // The colour bar runs blue to red; the guided method has none.
    ASSERT_FALSE(gradcam->colorBar.isEmpty());
    const QColor low = at(page, gradcam->colorBar, 0.02, 0.5);
    const QColor high = at(page, gradcam->colorBar, 0.98, 0.5);
    EXPECT_GT(low.blue(), low.red());
    EXPECT_GT(high.red(), high.blue());
    const ReportCamCell* guided = cell(layout, "guided", 281);
    ASSERT_NE(guided, nullptr);
    EXPECT_TRUE(guided->colorBar.isEmpty());
    // Faithfulness text under each map.
    EXPECT_GT(darkPixels(page, gradcam->caption), 20);
}

TEST(ReportPage, DrawsTheLabelsAndTheInput)
{
    AnalysisResult r = sampleResult();
    const ReportPageInfo info = sampleInfo();
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    ASSERT_EQ(layout.predictions.size(), 5u);
    const QImage withLabel = renderReportPage(r, info);
    r.prediction.top[2].label.clear();
    const QImage without = renderReportPage(r, info);
    const QRectF label = layout.predictions[2].label;
    EXPECT_GT(darkPixels(withLabel, label), 30);
    EXPECT_EQ(darkPixels(without, label), 0);
    EXPECT_GT(darkPixels(withLabel, layout.predictions[2].value), 10);
    // The bar is filled in proportion: the first class's (62 %) reaches past the middle, the last's does not.
    const QRectF bar0 = layout.predictions[0].bar;
    const QRectF bar4 = layout.predictions[4].bar;
    EXPECT_NE(at(withLabel, bar0, 0.55, 0.5), at(withLabel, bar0, 0.9, 0.5));
    EXPECT_EQ(at(withLabel, bar4, 0.3, 0.5), at(withLabel, bar4, 0.9, 0.5));
    // The input is drawn where the layout says: the orange disc in its top-left quadrant.
    const QColor disc = at(withLabel, layout.input, 0.25, 0.25);
    EXPECT_GT(disc.red(), disc.blue() + 100);
    // The header names the file.
    EXPECT_GT(darkPixels(withLabel, layout.header), 200);
}

TEST(ReportPage, MarksTheTrueClass)
{
    const AnalysisResult r = sampleResult();
    ReportPageInfo info = sampleInfo();
    info.truth = 282;
    info.truthLabel = "tiger cat";
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    ASSERT_EQ(layout.predictions.size(), 5u);
    EXPECT_FALSE(layout.predictions[0].truth);
    EXPECT_TRUE(layout.predictions[1].truth);
    EXPECT_FALSE(layout.chartNote.isEmpty());
    const QImage page = renderReportPage(r, info);
    const QColor bar = at(page, layout.predictions[1].bar, 0.05, 0.5);
    EXPECT_GT(bar.green(), bar.red() + 40) << bar.name().toStdString();
    EXPECT_GT(bar.green(), bar.blue() + 40) << bar.name().toStdString();

    // A true class outside the top-K is named in the note.
    info.truth = 1;
    info.truthLabel = "goldfish";
    const ReportLayout outside = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_FALSE(outside.chartNote.isEmpty());
    for (const ReportPredictionRow& row : outside.predictions)
        EXPECT_FALSE(row.truth);
    EXPECT_GT(darkPixels(renderReportPage(r, info), outside.chartNote, 160), 20);
}

TEST(ReportPage, UntrainedBannerOnlyWithoutWeights)
{
    AnalysisResult r = sampleResult();
    ReportPageInfo info = sampleInfo();
    const ReportLayout trainedLayout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_TRUE(trainedLayout.banner.isEmpty());
    const QImage trained = renderReportPage(r, info);

    r.weights.clear();
    info.weights.clear();
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    ASSERT_FALSE(layout.banner.isEmpty());
    const QImage untrained = renderReportPage(r, info);
    const QColor banner = at(untrained, layout.banner, 0.03, 0.5);
    EXPECT_GT(banner.red(), 150);
    EXPECT_LT(banner.green(), 100);
    // White text on it.
    int white = 0;
    const QRect b = layout.banner.toAlignedRect();
    for (int x = b.left(); x < b.right(); ++x)
        white += untrained.pixel(x, b.center().y() - 2) == qRgb(255, 255, 255) ? 1 : 0;
    EXPECT_GT(white, 20);
    // The trained page has no red there.
    const QColor same = at(trained, layout.banner, 0.03, 0.5);
    EXPECT_LT(same.red() - same.green(), 30);
    keepSample(untrained, QStringLiteral("report_untrained.png"));
}

TEST(ReportPage, LongLabelsStayInsideTheMargins)
{
    const std::string longLabel(200, 'w');
    AnalysisResult r = sampleResult({"gradcam", "gradcampp", "guided"}, 5, 8, longLabel);
    r.layers[0].name = std::string(200, 'L');
    ReportPageInfo info = sampleInfo();
    info.imageName = QStringLiteral("very/deep/folder/") + QString(200, QLatin1Char('f')) + QStringLiteral(".JPEG");
    info.modelName = QString(200, QLatin1Char('M'));
    info.weights = QStringLiteral("/weights/") + QString(200, QLatin1Char('W')) + QStringLiteral(".pth");
    info.truth = 281;
    info.truthLabel = longLabel;
    const QImage page = renderReportPage(r, info);
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    // Margins are even: 15 mm on every side.
    EXPECT_NEAR(layout.content.left(), 15 / 25.4 * 150, 1.0);
    EXPECT_NEAR(layout.page.right() - layout.content.right(), layout.content.left(), 1.0);
    EXPECT_NEAR(layout.page.bottom() - layout.content.bottom(), layout.content.top(), 1.0);
    EXPECT_EQ(pixelsOutside(page, layout.content), 0);
    // The label stays in its own box: nothing in the gap between label and bar.
    const QRectF gap(layout.predictions[0].label.right() + 1, layout.predictions[0].label.top(),
                     layout.predictions[0].bar.left() - layout.predictions[0].label.right() - 2,
                     layout.predictions[0].label.height());
    EXPECT_EQ(darkPixels(page, gap, 200), 0);
    keepSample(page, QStringLiteral("report_long_labels.png"));

    r.weights.clear();
    info.weights.clear();
    const QImage untrained = renderReportPage(r, info, 100);
    EXPECT_EQ(pixelsOutside(untrained, layoutReportPage(r, info, pageRect(100), 100).content), 0);
}

TEST(ReportPage, ManyMapsShrinkToFitThePage)
{
    // Top-5 × 3 methods and two layers of eight tiles.
    const AnalysisResult r = sampleResult({"gradcam", "scorecam", "guided"}, 5, 16);
    ReportPageInfo info = sampleInfo();
    info.tilesPerLayer = 8;
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_LT(layout.scale, 1.0);
    EXPECT_TRUE(layout.omitted.isEmpty());
    ASSERT_EQ(layout.cams.size(), 15u);
    ASSERT_EQ(layout.layers.size(), 2u);
    for (const ReportCamCell& c : layout.cams) {
        EXPECT_TRUE(layout.content.contains(c.image));
        EXPECT_TRUE(layout.content.contains(c.caption));
        EXPECT_GE(c.image.width(), 150 * 10 / 25.4);  // still at least a centimetre
        for (const ReportCamCell& other : layout.cams)
            if (&other != &c) {
                EXPECT_FALSE(c.image.intersects(other.image));
            }
    }
    EXPECT_LT(layout.cams.back().caption.bottom(), layout.layersTitle.top());
    for (const ReportLayerBlock& block : layout.layers) {
        ASSERT_EQ(block.tiles.size(), 8u);
        for (const ReportTileCell& t : block.tiles)
            EXPECT_TRUE(layout.content.contains(t.caption));
    }
    EXPECT_LT(layout.layers[0].tiles.back().caption.bottom(), layout.layers[1].title.top());

    const QImage page = renderReportPage(r, info);
    EXPECT_EQ(pixelsOutside(page, layout.content), 0);
    const QColor hot = at(page, cell(layout, "scorecam", 287)->image, 0.25, 0.25);
    EXPECT_GT(hot.red(), hot.blue() + 60);
    keepSample(page, QStringLiteral("report_many_maps.png"));

    // Far too much for one page: layers are left out, and the page says so.
    const AnalysisResult crowded = sampleResult(
        {"gradcam", "gradcampp", "xgradcam", "layercam", "hirescam", "eigencam", "scorecam", "guided", "guidedgradcam"},
        5, 64);
    info.tilesPerLayer = 64;
    const ReportLayout crowdedLayout = layoutReportPage(crowded, info, pageRect(150), 150);
    EXPECT_FALSE(crowdedLayout.omitted.isEmpty());
    EXPECT_FALSE(crowdedLayout.omittedNote.isEmpty());
    const QImage crowdedPage = renderReportPage(crowded, info);
    EXPECT_EQ(pixelsOutside(crowdedPage, crowdedLayout.content), 0);
    EXPECT_GT(darkPixels(crowdedPage, crowdedLayout.omittedNote, 160), 20);
    keepSample(crowdedPage, QStringLiteral("report_crowded.png"));
}

// Each section can be left out; its rectangles are then empty, nothing is drawn in its place, and the other
// sections keep (or gain) their room.
TEST(ReportPage, SectionsCanBeLeftOut)
{
    const AnalysisResult r = sampleResult({"gradcam", "scorecam", "guided"}, 5, 16);
    ReportPageInfo all = sampleInfo();
    all.tilesPerLayer = 8;
    const ReportLayout full = layoutReportPage(r, all, pageRect(150), 150);
    ASSERT_FALSE(full.cams.empty());
    ASSERT_FALSE(full.layers.empty());
    ASSERT_FALSE(full.predictions.empty());
    ASSERT_LT(full.scale, 1.0);  // crowded: the maps gave way
    const double fullCell = full.cams.front().image.width();
    const double fullTile = full.layers.front().tiles.front().image.width();
    auto checkPage = [](const AnalysisResult& result, const ReportPageInfo& info, const ReportLayout& layout) {
        const QImage page = renderReportPage(result, info);
        EXPECT_EQ(pixelsOutside(page, layout.content), 0);
        EXPECT_GT(darkPixels(page, layout.header), 200);
        EXPECT_FALSE(layout.input.isEmpty());
        for (const ReportCamCell& c : layout.cams) {
            EXPECT_TRUE(layout.content.contains(c.image));
            EXPECT_TRUE(layout.content.contains(c.caption));
        }
        for (const ReportLayerBlock& block : layout.layers)
            for (const ReportTileCell& t : block.tiles)
                EXPECT_TRUE(layout.content.contains(t.caption));
        return page;
    };

    ReportPageInfo info = all;
    info.predictions = false;
    ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_TRUE(layout.chartTitle.isEmpty());
    EXPECT_TRUE(layout.predictions.empty());
    EXPECT_TRUE(layout.chartNote.isEmpty());
    EXPECT_EQ(layout.cams.size(), full.cams.size());
    EXPECT_GE(layout.cams.front().image.width(), fullCell);
    EXPECT_EQ(layout.layers.size(), full.layers.size());
    EXPECT_LE(layout.camTitle.top(), full.camTitle.top());
    QImage page = checkPage(r, info, layout);
    // Nothing beside the input where the chart was.
    const QRectF besideInput(layout.input.right() + 4, layout.input.top(),
                             layout.content.right() - layout.input.right() - 4, layout.input.height());
    EXPECT_EQ(darkPixels(page, besideInput, 250), 0);
    EXPECT_GT(darkPixels(page, layout.cams.front().caption), 20);
    keepSample(page, QStringLiteral("report_no_predictions.png"));

    info = all;
    info.maps = false;
    layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_TRUE(layout.camTitle.isEmpty());
    EXPECT_TRUE(layout.camLegend.isEmpty());
    EXPECT_TRUE(layout.camNote.isEmpty());
    EXPECT_TRUE(layout.cams.empty());
    EXPECT_TRUE(layout.camColumnHeaders.empty());
    EXPECT_TRUE(layout.camRowTitles.empty());
    EXPECT_EQ(layout.predictions.size(), full.predictions.size());
    ASSERT_EQ(layout.layers.size(), full.layers.size());
    EXPECT_GE(layout.layers.front().tiles.front().image.width(), fullTile);
    EXPECT_LT(layout.layersTitle.top(), full.layersTitle.top());
    page = checkPage(r, info, layout);
    EXPECT_GT(darkPixels(page, layout.predictions[0].label), 30);
    EXPECT_GT(darkPixels(page, layout.layers.front().tiles.front().caption), 10);
    keepSample(page, QStringLiteral("report_no_maps.png"));

    info = all;
    info.featureMaps = false;
    layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_TRUE(layout.layersTitle.isEmpty());
    EXPECT_TRUE(layout.layers.empty());
    EXPECT_TRUE(layout.omitted.isEmpty());
    EXPECT_EQ(layout.cams.size(), full.cams.size());
    EXPECT_GT(layout.cams.front().image.width(), fullCell);  // the maps grow into the tiles' room
    EXPECT_EQ(layout.predictions.size(), full.predictions.size());
    page = checkPage(r, info, layout);
    // Below the last caption, nothing.
    const QRectF below(layout.content.left(), layout.cams.back().caption.bottom() + 4, layout.content.width(),
                       layout.content.bottom() - layout.cams.back().caption.bottom() - 4);
    EXPECT_EQ(darkPixels(page, below, 250), 0);
    keepSample(page, QStringLiteral("report_no_feature_maps.png"));

    // All three off: the header and the input remain.
    info.predictions = info.maps = false;
    layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_TRUE(layout.chartTitle.isEmpty());
    EXPECT_TRUE(layout.camTitle.isEmpty());
    EXPECT_TRUE(layout.layersTitle.isEmpty());
    page = checkPage(r, info, layout);
    const QColor disc = at(page, layout.input, 0.25, 0.25);
    EXPECT_GT(disc.red(), disc.blue() + 100);
}

// The page names methods as people know them, never by their ids.
TEST(ReportPage, NamesMethodsByTheirDisplayNames)
{
    const AnalysisResult r = sampleResult({"gradcampp"}, 1);
    QTemporaryDir dir;
    const QString pdf = dir.filePath(QStringLiteral("names.pdf"));
    ASSERT_TRUE(writeReportPdf(pdf, r, sampleInfo()).ok());
    const QString text = pdfText(pdf);
    if (text.isNull())
        GTEST_SKIP() << "pdftotext is not installed";
    EXPECT_TRUE(text.contains(QStringLiteral("Grad-CAM++"))) << text.toStdString();
    EXPECT_FALSE(text.contains(QStringLiteral("gradcampp"))) << text.toStdString();
}

TEST(ReportPage, ChoosesMethodsAndLayers)
{
    const AnalysisResult r = sampleResult({"gradcam", "guided"}, 3);
    ReportPageInfo info = sampleInfo();
    info.methods = {"guided", "scorecam"};  // scorecam is not in the result
    info.layers = {"layer4"};
    info.tilesPerLayer = 3;
    const ReportLayout layout = layoutReportPage(r, info, pageRect(150), 150);
    EXPECT_EQ(layout.camMethods, std::vector<std::string>{"guided"});
    ASSERT_EQ(layout.layers.size(), 1u);
    EXPECT_EQ(layout.layers[0].layer, "layer4");
    EXPECT_EQ(layout.layers[0].tiles.size(), 3u);
    EXPECT_EQ(layout.layers[0].tiles[0].channel, 5);
}

TEST(ReportPage, WithoutInputStillHasHeaderAndPredictions)
{
    AnalysisResult r = sampleResult({}, 0, 0);
    r.input = QImage();
    r.layers.clear();
    const ReportLayout layout = layoutReportPage(r, sampleInfo(), pageRect(150), 150);
    EXPECT_TRUE(layout.input.isEmpty());
    EXPECT_TRUE(layout.camTitle.isEmpty());
    EXPECT_TRUE(layout.layersTitle.isEmpty());
    EXPECT_EQ(layout.predictions.size(), 5u);
    const QImage page = renderReportPage(r, sampleInfo());
    EXPECT_GT(darkPixels(page, layout.predictions[0].label), 30);
}

// A report others read says which checkpoint by its file name, not where it lay on the author's machine.
TEST(ReportPage, TheHeaderNamesTheCheckpointByItsFileNameUnlessAskedForThePath)
{
    EXPECT_EQ(reportWeightsText(QStringLiteral("/home/ada/.cache/torch/hub/checkpoints/resnet50-0676ba61.pth"), false),
              QStringLiteral("resnet50-0676ba61.pth"));
    EXPECT_EQ(reportWeightsText(QStringLiteral("/srv/models/resnet50-0676ba61.pth"), true),
              QDir::toNativeSeparators(QStringLiteral("/srv/models/resnet50-0676ba61.pth")));
    EXPECT_EQ(reportWeightsText(QString(), false), QString());
    EXPECT_FALSE(ReportPageInfo{}.fullPaths);
    EXPECT_FALSE(ReportOptions{}.fullPaths);
}

TEST(ReportPage, WritesPdfAndPng)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    AnalysisResult r = sampleResult();
    r.weights.clear();
    ReportPageInfo info = sampleInfo();
    info.weights.clear();
    const QString pdf = dir.filePath(QStringLiteral("page.pdf"));
    const Expected<void> written = writeReportPdf(pdf, r, info);
    ASSERT_TRUE(written.ok()) << written.message();
    EXPECT_EQ(pdfPages(pdf), 1);
    const QString text = pdfText(pdf);
    if (!text.isNull()) {
        EXPECT_TRUE(text.contains(QStringLiteral("ILSVRC2012_val_00000293"))) << text.toStdString();
        EXPECT_TRUE(text.contains(QStringLiteral("Untrained weights"))) << text.toStdString();
        EXPECT_TRUE(text.contains(QStringLiteral("tabby"))) << text.toStdString();
    }

    const QString base = dir.filePath(QStringLiteral("sub/folder/report"));
    const Expected<void> files = writeReportFiles(base, r, info);
    ASSERT_TRUE(files.ok()) << files.message();
    EXPECT_EQ(QImage(base + QStringLiteral(".png")).size(), QSize(1240, 1754));
    EXPECT_EQ(pdfPages(base + QStringLiteral(".pdf")), 1);

    const Expected<void> bad = writeReportPdf(dir.filePath(QStringLiteral("missing/dir/x.pdf")), r, info);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.kind(), ErrorKind::Internal);
    EXPECT_NE(bad.message().find("x.pdf"), std::string::npos);

    const QString sample = samplePath(QStringLiteral("report_untrained"));
    if (!sample.isEmpty()) {
        EXPECT_TRUE(writeReportFiles(sample, r, info).ok());
    }
}

TEST(ReportPage, CellImageShowsTheTopClassMap)
{
    const AnalysisResult r = sampleResult({"guided", "gradcam"}, 1);
    const QImage cellImage = reportCellImage(r, sampleInfo(), 160);
    ASSERT_EQ(cellImage.size(), QSize(160, 160));
    const QColor hot = cellImage.pixelColor(40, 40);
    const QColor cold = cellImage.pixelColor(130, 130);
    EXPECT_GT(hot.red(), hot.blue() + 60);
    EXPECT_GT(cold.blue(), cold.red() + 40);
    // Without maps: the input alone.
    const QImage plain = reportCellImage(sampleResult({}, 0), sampleInfo(), 96);
    ASSERT_EQ(plain.size(), QSize(96, 96));
    EXPECT_GT(plain.pixelColor(24, 24).red(), plain.pixelColor(24, 24).blue() + 100);
    keepSample(cellImage, QStringLiteral("cell.png"));
}

std::vector<ContactCell> sampleCells(int count)
{
    const AnalysisResult r = sampleResult({"gradcam"}, 1);
    const QImage image = reportCellImage(r, sampleInfo());
    std::vector<ContactCell> cells;
    for (int i = 0; i < count; ++i) {
        ContactCell c;
        c.image = image;
        c.file = QStringLiteral("val/n02123045/ILSVRC2012_val_%1.JPEG").arg(i, 8, 10, QLatin1Char('0'));
        c.caption = QStringLiteral("tabby %1%").arg(80 - i % 50);
        c.correct = i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : -1;
        if (i == 4) {
            c.failed = true;
            c.image = QImage();
            c.caption = QStringLiteral("cannot decode: the JPEG data ends early");
        }
        if (i == 5)
            c.file = QString(200, QLatin1Char('x'));
        cells.push_back(c);
    }
    return cells;
}

TEST(ContactSheets, Paginate)
{
    const ContactSheetLayout layout = layoutContactSheets(100, 6, 150);
    EXPECT_EQ(layout.columns, 6);
    EXPECT_GE(layout.rows, 4);
    EXPECT_EQ(layout.cellsPerPage, layout.rows * 6);
    EXPECT_EQ(layout.pages, (100 + layout.cellsPerPage - 1) / layout.cellsPerPage);
    // Every cell of a full page lies inside the margins.
    for (int i = 0; i < layout.cellsPerPage; ++i) {
        EXPECT_TRUE(layout.content.contains(layout.cellImage(i)));
        EXPECT_TRUE(layout.content.contains(layout.cellText(i)));
    }
    EXPECT_EQ(layoutContactSheets(0, 6, 150).pages, 1);
    EXPECT_EQ(layoutContactSheets(layout.cellsPerPage, 6, 150).pages, 1);
    EXPECT_EQ(layoutContactSheets(layout.cellsPerPage + 1, 6, 150).pages, 2);

    const std::vector<ContactCell> cells = sampleCells(layout.cellsPerPage + 7);
    const std::vector<QImage> pages = renderContactSheets(cells, QStringLiteral("Batch of 43 images — ResNet-50"));
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages[0].size(), QSize(1240, 1754));
    EXPECT_EQ(pixelsOutside(pages[0], layout.content), 0);
    // Cell 0 right (green frame), cell 1 wrong (red frame), cell 4 failed (pink), cell 2 unknown (no frame).
    const QColor right = pages[0].pixelColor(layout.cellImage(0).toAlignedRect().topLeft() + QPoint(2, 40));
    EXPECT_GT(right.green(), right.red() + 40) << right.name().toStdString();
    const QColor wrong = pages[0].pixelColor(layout.cellImage(1).toAlignedRect().topLeft() + QPoint(2, 40));
    EXPECT_GT(wrong.red(), wrong.green() + 40) << wrong.name().toStdString();
    const QColor failed = at(pages[0], layout.cellImage(4), 0.1, 0.1);
    EXPECT_GT(failed.red(), 240);
    EXPECT_GT(darkPixels(pages[0], layout.cellText(4), 200), 20);
    // The second page holds the rest: seven cells, the eighth slot empty.
    EXPECT_GT(darkPixels(pages[1], layout.cellText(6), 200), 20);
    EXPECT_EQ(darkPixels(pages[1], layout.cellText(7), 250), 0);
    keepSample(pages[0], QStringLiteral("contact_sheet_1.png"));
    keepSample(pages[1], QStringLiteral("contact_sheet_2.png"));

    QTemporaryDir dir;
    const QString pdf = dir.filePath(QStringLiteral("sheets.pdf"));
    ASSERT_TRUE(writeContactSheetPdf(pdf, cells, QStringLiteral("Batch")).ok());
    EXPECT_EQ(pdfPages(pdf), 2);
    const QString sample = samplePath(QStringLiteral("contact_sheets.pdf"));
    if (!sample.isEmpty()) {
        EXPECT_TRUE(writeContactSheetPdf(sample, cells, QStringLiteral("Batch of 43 images — ResNet-50")).ok());
    }
}

ModelAccuracy sampleAccuracy(const std::string& id, int top1)
{
    ModelAccuracy m;
    m.modelId = id;
    m.records = 1000;
    m.failed = 3;
    m.withTruth = 997;
    m.top1 = top1;
    m.top5 = std::min(997, top1 + 90);
    m.perClass = {{281, "tabby", 60, 41, 58}, {282, "tiger cat", 50, 30, 49}, {285, "Egyptian cat", 40, 25, 39}};
    m.confusions = {{281, "tabby", 282, "tiger cat", 12},
                    {282, "tiger cat", 281, "tabby", 9},
                    {285, "Egyptian cat", 281, "tabby", 6},
                    {287, "lynx, catamount", 285, "Egyptian cat", 2}};
    for (int i = 0; i < 40; ++i)
        m.failures.push_back(
            FailureCase{QStringLiteral("val/n02123045/ILSVRC2012_val_%1.JPEG").arg(i, 8, 10, QLatin1Char('0')), 281,
                        "tabby", 282, "tiger cat", 0.95f - 0.01f * i});
    return m;
}

SummaryPageInfo sampleSummary(int top1)
{
    SummaryPageInfo info;
    info.title = QStringLiteral("Batch of 1,000 images — ResNet-50, MobileNet V2");
    info.date = QDateTime(QDate(2024, 5, 17), QTime(14, 3));
    info.images = 1000;
    info.failed = 3;
    info.models = {{"resnet50", QStringLiteral("ResNet-50")}, {"mobilenet_v2", QStringLiteral("MobileNet V2")}};
    info.accuracy = {sampleAccuracy("mobilenet_v2", 702), sampleAccuracy("resnet50", top1)};
    info.disagreements = 87;
    const QImage thumb = sampleInput();
    info.thumbnail = [thumb](const QString&) { return thumb; };
    return info;
}

TEST(SummaryPage, DrawsTheAccuracyNumbers)
{
    const SummaryPageInfo info = sampleSummary(873);
    const SummaryLayout layout = layoutSummaryPage(info, 150);
    ASSERT_EQ(layout.table.size(), 2u);
    const QImage page = renderSummaryPage(info);
    EXPECT_EQ(page.size(), QSize(1240, 1754));
    EXPECT_EQ(pixelsOutside(page, layout.content), 0);
    EXPECT_GT(darkPixels(page, layout.table[1].top1), 40);
    EXPECT_GT(darkPixels(page, layout.table[1].top5), 40);
    EXPECT_GT(darkPixels(page, layout.title), 100);
    // Another top-1 draws other digits in that cell, and only there in the table.
    const QImage other = renderSummaryPage(sampleSummary(512));
    EXPECT_NE(page.copy(layout.table[1].top1.toAlignedRect()), other.copy(layout.table[1].top1.toAlignedRect()));
    EXPECT_EQ(page.copy(layout.table[0].top1.toAlignedRect()), other.copy(layout.table[0].top1.toAlignedRect()));
    keepSample(page, QStringLiteral("summary.png"));

    // No truth: a dash rather than 0 %.
    SummaryPageInfo unknown = info;
    for (ModelAccuracy& m : unknown.accuracy) {
        m.withTruth = m.top1 = m.top5 = 0;
        m.confusions.clear();
        m.failures.clear();
    }
    unknown.title = QString(200, QLatin1Char('T'));
    const QImage unknownPage = renderSummaryPage(unknown);
    EXPECT_EQ(pixelsOutside(unknownPage, layout.content), 0);
    EXPECT_LT(darkPixels(unknownPage, layout.table[1].top1), darkPixels(page, layout.table[1].top1));

    QTemporaryDir dir;
    const QString pdf = dir.filePath(QStringLiteral("summary.pdf"));
    ASSERT_TRUE(writeSummaryPdf(pdf, info).ok());
    EXPECT_EQ(pdfPages(pdf), 1);
    const QString sample = samplePath(QStringLiteral("summary.pdf"));
    if (!sample.isEmpty()) {
        EXPECT_TRUE(writeSummaryPdf(sample, info).ok());
    }
}

TEST(ExemplarSheet, OneRowPerChannel)
{
    ChannelExemplars exemplars("resnet50", "layer4", 4);
    for (int i = 0; i < 10; ++i)
        exemplars.add(QStringLiteral("img%1.jpg").arg(i), {float(i), float(10 - i), 0.5f});
    const QImage thumb = sampleInput();
    auto thumbnail = [thumb](const QString&) { return thumb; };
    const QImage two = renderExemplarSheet(exemplars, {0, 1}, thumbnail, 64);
    const QImage three = renderExemplarSheet(exemplars, {0, 1, 2}, thumbnail, 64);
    ASSERT_FALSE(two.isNull());
    EXPECT_GT(three.height(), two.height());
    EXPECT_GE(two.width(), 4 * 64);
    keepSample(three, QStringLiteral("exemplars.png"));
}

}  // namespace
}  // namespace convlens
