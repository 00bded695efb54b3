// The compare page, drawn from hand-made results of several models: one cell per model in order, everything inside
// the margins however many models (up to 11) and however long their names, the shared scale making a weak map
// fainter, error cells, guided methods without a colour bar, and the PDF.
#include "core/report/comparepage.h"
#include "tests/report/pagetest.h"

#include <gtest/gtest.h>

#include <QFileInfo>
#include <QTemporaryDir>

#include <cmath>

namespace convlens {
namespace {

using namespace pagetest;

constexpr int kGrid = 7;

// A 7×7 raw map hot around the input's top-left quadrant, times `gain`.
std::vector<float> hotGrid(float gain)
{
    std::vector<float> grid(static_cast<std::size_t>(kGrid) * kGrid);
    for (int y = 0; y < kGrid; ++y)
        for (int x = 0; x < kGrid; ++x) {
            const double d2 = (x - 1.5) * (x - 1.5) + (y - 1.5) * (y - 1.5);
            grid[static_cast<std::size_t>(y) * kGrid + x] = gain * static_cast<float>(std::exp(-d2 / 4.0));
        }
    return grid;
}

// A model's result for the cat picture: top-3 with `top1` first, `method` explained for classes 281 and 282 with
// raw grids scaled by `gain`.
std::shared_ptr<const AnalysisResult> modelResult(const std::string& modelId, float gain,
                                                  const std::string& method = "gradcam",
                                                  const std::string& top1 = "tabby, tabby cat")
{
    auto r = std::make_shared<AnalysisResult>();
    r->modelId = modelId;
    r->input = sampleInput();
    r->prediction.top = {ClassScore{281, top1, 0.62f}, ClassScore{282, "tiger cat", 0.21f},
                         ClassScore{285, "Egyptian cat", 0.09f}, ClassScore{287, "lynx, catamount", 0.03f}};
    for (int c : {281, 282}) {
        CamResult cam;
        cam.method = method;
        cam.classIndex = c;
        cam.label = c == 281 ? top1 : "tiger cat";
        cam.layer = method == "guided" ? "input" : "layer4";
        cam.gridHeight = cam.gridWidth = kGrid;
        cam.grid = hotGrid(gain);
        cam.heatmapSize = kSize;
        const auto [lo, hi] = std::minmax_element(cam.grid.begin(), cam.grid.end());
        cam.heatmap = scaledHeatmap(cam, CamScale{*lo, *hi});
        if (method == "guided") {
            cam.guided.resize(3 * cam.heatmap.size());
            for (std::size_t i = 0; i < cam.guided.size(); ++i)
                cam.guided[i] = cam.heatmap[i % cam.heatmap.size()] * std::sin(0.9f * static_cast<float>(i % 977));
        }
        cam.faithfulness = Faithfulness{c == 281 ? 0.62f : 0.21f, 0.4f, 0.22f, 0.0f, true};
        r->cams.push_back(std::move(cam));
    }
    return r;
}

const char* const kModels[] = {"ResNet-50",          "MobileNet V2",    "MobileNet V3 Large", "EfficientNet-B0",
                               "DenseNet-121",       "ConvNeXt Tiny",   "ShuffleNet V2 x1.0", "ResNet-18",
                               "MobileNet V3 Small", "EfficientNet-B3", "ConvNeXt Small"};

ComparePageInfo compareInfo(int models, const std::string& method = "gradcam")
{
    ComparePageInfo info;
    info.imageName = QStringLiteral("val/n02123045/ILSVRC2012_val_00000293.JPEG");
    info.date = QDateTime(QDate(2024, 5, 17), QTime(14, 3));
    info.method = QString::fromStdString(method);
    info.classIndex = 281;
    for (int i = 0; i < models; ++i) {
        CompareCellInfo cell;
        cell.modelName = QString::fromLatin1(kModels[i % 11]);
        cell.weights = QStringLiteral("/home/ada/.cache/torch/hub/checkpoints/model%1-0676ba61.pth").arg(i);
        cell.result = modelResult("model" + std::to_string(i), 1.0f + 0.5f * static_cast<float>(i), method);
        info.cells.push_back(cell);
    }
    return info;
}

// The mean of red - blue over `rect` (jet: hot is red, cold is blue).
double meanHeat(const QImage& image, const QRectF& rect)
{
    const QRect r = rect.toAlignedRect().adjusted(2, 2, -2, -2).intersected(image.rect());
    double sum = 0;
    for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
            const QColor c = image.pixelColor(x, y);
            sum += c.red() - c.blue();
        }
    return sum / std::max(1, r.width() * r.height());
}

void expectInside(const ComparePageLayout& layout)
{
    for (const QRectF& r : {layout.header, layout.legend, layout.note})
        EXPECT_TRUE(layout.content.contains(r));
    EXPECT_LT(layout.header.bottom(), layout.legend.top());
    EXPECT_LT(layout.legend.bottom(), layout.note.top() + 1);
    for (const CompareCellLayout& c : layout.cells) {
        ASSERT_FALSE(c.cell.isEmpty());
        EXPECT_TRUE(layout.content.contains(c.cell));
        for (const QRectF& r : {c.title, c.weights, c.image, c.colorBar, c.predictions, c.caption, c.error})
            if (!r.isEmpty()) {
                EXPECT_TRUE(c.cell.adjusted(-0.01, -0.01, 0.01, 0.01).contains(r))
                    << r.x() << "," << r.y() << " " << r.width() << "x" << r.height() << " in " << c.cell.x() << ","
                    << c.cell.y() << " " << c.cell.width() << "x" << c.cell.height();
            }
        EXPECT_GE(c.title.top(), layout.note.bottom());
    }
    for (std::size_t i = 0; i < layout.cells.size(); ++i)
        for (std::size_t j = i + 1; j < layout.cells.size(); ++j)
            EXPECT_FALSE(layout.cells[i].cell.intersects(layout.cells[j].cell));
}

TEST(ComparePage, OneCellPerModelInOrder)
{
    const ComparePageInfo info = compareInfo(3);
    const QRectF page = comparePageRect(info, 150);
    EXPECT_EQ(comparePageOrientation(info), QPageLayout::Landscape);  // a row of three, like the window
    EXPECT_EQ(page.size().toSize(), QSize(1754, 1240));
    const ComparePageLayout layout = layoutComparePage(info, page, 150);
    ASSERT_EQ(layout.cells.size(), 3u);
    EXPECT_EQ(layout.columns, 3);
    expectInside(layout);
    for (std::size_t i = 1; i < layout.cells.size(); ++i) {
        EXPECT_GT(layout.cells[i].cell.left(), layout.cells[i - 1].cell.right());
        EXPECT_DOUBLE_EQ(layout.cells[i].cell.top(), layout.cells[0].cell.top());
    }
    for (const CompareCellLayout& c : layout.cells) {
        EXPECT_FALSE(c.image.isEmpty());
        EXPECT_FALSE(c.colorBar.isEmpty());
        EXPECT_TRUE(c.error.isEmpty());
        EXPECT_LT(c.image.bottom(), c.predictions.top());
        EXPECT_LT(c.predictions.bottom(), c.caption.top() + 1);
    }
    const QImage image = renderComparePage(info);
    EXPECT_EQ(image.size(), QSize(1754, 1240));
    EXPECT_EQ(pixelsOutside(image, layout.content), 0);
    for (const CompareCellLayout& c : layout.cells) {
        EXPECT_GT(darkPixels(image, c.title), 30);
        EXPECT_GT(darkPixels(image, c.predictions, 160), 30);
        EXPECT_GT(darkPixels(image, c.caption, 160), 20);
        // Hot where the map is, cold in the far corner.
        const QColor hot = at(image, c.image, 0.22, 0.22);
        const QColor cold = at(image, c.image, 0.85, 0.85);
        EXPECT_GT(hot.red(), hot.blue() + 60) << hot.name().toStdString();
        EXPECT_GT(cold.blue(), cold.red() + 40) << cold.name().toStdString();
    }
    EXPECT_GT(darkPixels(image, layout.header), 200);
    keepSample(image, QStringLiteral("compare_three.png"));
}

// With one scale over all models a map ten times weaker stays faint; on its own scale it looks like the other.
TEST(ComparePage, SharedScaleKeepsAWeakMapFaint)
{
    ComparePageInfo info = compareInfo(2);
    info.cells[0].result = modelResult("strong", 1.0f);
    info.cells[1].result = modelResult("weak", 0.1f);
    const ComparePageLayout layout = layoutComparePage(info, comparePageRect(info, 150), 150);
    const std::vector<float> strong = hotGrid(1.0f);
    EXPECT_FLOAT_EQ(layout.scale.high, *std::max_element(strong.begin(), strong.end()));
    const QImage shared = renderComparePage(info);
    info.sharedScale = false;
    const QImage own = renderComparePage(info);
    const double sharedWeak = meanHeat(shared, layout.cells[1].image);
    const double ownWeak = meanHeat(own, layout.cells[1].image);
    const double sharedStrong = meanHeat(shared, layout.cells[0].image);
    EXPECT_LT(sharedWeak + 30, ownWeak);
    EXPECT_LT(sharedWeak + 30, sharedStrong);
    EXPECT_NEAR(meanHeat(own, layout.cells[0].image), sharedStrong, 1.0);  // the strongest map spans the scale
    EXPECT_NEAR(ownWeak, sharedStrong, 3.0);
    // The legend differs: raw values against "low … high".
    EXPECT_NE(shared.copy(layout.legend.toAlignedRect()), own.copy(layout.legend.toAlignedRect()));
    keepSample(shared, QStringLiteral("compare_shared_scale.png"));
    keepSample(own, QStringLiteral("compare_own_scale.png"));
}

TEST(ComparePage, ErrorCellsAndMissingMaps)
{
    ComparePageInfo info = compareInfo(3);
    info.cells[1].result = nullptr;
    info.cells[1].error =
        QStringLiteral("cannot read the checkpoint /weights/broken.pth: the zip archive ends early; download it again");
    info.classIndex = 285;  // no model has a map for it
    info.cells[2].result = modelResult("model2", 1.0f);
    const ComparePageLayout layout = layoutComparePage(info, comparePageRect(info, 150), 150);
    ASSERT_EQ(layout.cells.size(), 3u);
    expectInside(layout);
    const CompareCellLayout& error = layout.cells[1];
    EXPECT_TRUE(error.image.isEmpty());
    EXPECT_TRUE(error.colorBar.isEmpty());
    EXPECT_TRUE(error.predictions.isEmpty());
    EXPECT_FALSE(error.error.isEmpty());
    // No map for the class: the input, no colour bar, and the caption says so.
    EXPECT_FALSE(layout.cells[0].image.isEmpty());
    EXPECT_TRUE(layout.cells[0].colorBar.isEmpty());
    const QImage image = renderComparePage(info);
    EXPECT_EQ(pixelsOutside(image, layout.content), 0);
    EXPECT_GT(darkPixels(image, error.error, 200), 100);
    EXPECT_GT(darkPixels(image, error.title), 30);
    const QColor disc = at(image, layout.cells[0].image, 0.25, 0.25);
    EXPECT_GT(disc.red(), disc.blue() + 100);  // the plain input's orange disc
    EXPECT_GT(darkPixels(image, layout.cells[0].caption, 200), 20);
    keepSample(image, QStringLiteral("compare_errors.png"));

    // Each model's top class (-1): every model has a map of it.
    info.classIndex = -1;
    const ComparePageLayout top = layoutComparePage(info, comparePageRect(info, 150), 150);
    EXPECT_FALSE(top.cells[0].colorBar.isEmpty());
    EXPECT_FALSE(top.cells[2].colorBar.isEmpty());
}

TEST(ComparePage, ElevenModelsFit)
{
    ComparePageInfo info = compareInfo(11);
    info.cells[4].weights.clear();  // untrained
    const QRectF page = comparePageRect(info, 150);
    const ComparePageLayout layout = layoutComparePage(info, page, 150);
    ASSERT_EQ(layout.cells.size(), 11u);
    expectInside(layout);
    EXPECT_GE(layout.imageSide, 150 * 25 / 25.4);  // maps of at least 2.5 cm
    EXPECT_GE(layout.columns * layout.rows, 11);
    for (const CompareCellLayout& c : layout.cells)
        EXPECT_FALSE(c.image.isEmpty());
    const QImage image = renderComparePage(info);
    EXPECT_EQ(pixelsOutside(image, layout.content), 0);
    EXPECT_GT(darkPixels(image, layout.cells[10].title), 30);
    EXPECT_GT(darkPixels(image, layout.note, 200), 50);
    EXPECT_TRUE(layout.omittedNote.isEmpty());
    keepSample(image, QStringLiteral("compare_eleven.png"));

    // Guided methods: their own images, no colour bars.
    const ComparePageInfo guided = compareInfo(4, "guided");
    const ComparePageLayout guidedLayout = layoutComparePage(guided, comparePageRect(guided, 150), 150);
    EXPECT_TRUE(guidedLayout.guided);
    for (const CompareCellLayout& c : guidedLayout.cells) {
        EXPECT_FALSE(c.image.isEmpty());
        EXPECT_TRUE(c.colorBar.isEmpty());
    }
    const QImage guidedImage = renderComparePage(guided);
    EXPECT_EQ(pixelsOutside(guidedImage, guidedLayout.content), 0);
    keepSample(guidedImage, QStringLiteral("compare_guided.png"));

    // Far more than a page holds: the rest are left out, and the note says so in red.
    const ComparePageInfo crowded = compareInfo(60);
    const ComparePageLayout crowdedLayout = layoutComparePage(crowded, comparePageRect(crowded, 150), 150);
    ASSERT_EQ(crowdedLayout.cells.size(), 60u);
    EXPECT_FALSE(crowdedLayout.cells.front().cell.isEmpty());
    EXPECT_TRUE(crowdedLayout.cells.back().cell.isEmpty());
    ASSERT_FALSE(crowdedLayout.omittedNote.isEmpty());
    for (const CompareCellLayout& c : crowdedLayout.cells)
        if (!c.cell.isEmpty()) {
            EXPECT_LT(c.cell.bottom(), crowdedLayout.omittedNote.top());
        }
    const QImage crowdedImage = renderComparePage(crowded);
    EXPECT_EQ(pixelsOutside(crowdedImage, crowdedLayout.content), 0);
    EXPECT_GT(darkPixels(crowdedImage, crowdedLayout.omittedNote, 200), 20);
    keepSample(crowdedImage, QStringLiteral("compare_crowded.png"));
}

TEST(ComparePage, LongNamesStayInsideTheMargins)
{
    ComparePageInfo info = compareInfo(5);
    const std::string longLabel(200, 'w');
    info.imageName = QStringLiteral("very/deep/folder/") + QString(200, QLatin1Char('f')) + QStringLiteral(".JPEG");
    info.cells[0].modelName = QString(200, QLatin1Char('M'));
    info.cells[0].weights = QStringLiteral("/weights/") + QString(200, QLatin1Char('W')) + QStringLiteral(".pth");
    info.cells[0].result = modelResult("long", 1.0f, "gradcam", longLabel);
    info.cells[3].result = nullptr;
    info.cells[3].error = QString(300, QLatin1Char('E'));
    info.fullPaths = true;
    for (int dpi : {150, 100}) {
        const ComparePageLayout layout = layoutComparePage(info, comparePageRect(info, dpi), dpi);
        expectInside(layout);
        const QImage image = renderComparePage(info, dpi);
        EXPECT_EQ(pixelsOutside(image, layout.content), 0);
        // Each cell's text stays in its own column: nothing in the gap between the first two cells.
        const QRectF gap(layout.cells[0].cell.right() + 1, layout.cells[0].cell.top(),
                         layout.cells[1].cell.left() - layout.cells[0].cell.right() - 2, layout.cells[0].cell.height());
        EXPECT_EQ(darkPixels(image, gap, 250), 0);
        if (dpi == 150)
            keepSample(image, QStringLiteral("compare_long_names.png"));
    }
}

TEST(ComparePage, WritesPdf)
{
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const ComparePageInfo info = compareInfo(4);
    const QString pdf = dir.filePath(QStringLiteral("compare.pdf"));
    const Expected<void> written = writeComparePdf(pdf, info);
    ASSERT_TRUE(written.ok()) << written.message();
    EXPECT_GT(QFileInfo(pdf).size(), 1000);
    EXPECT_EQ(pdfPages(pdf), 1);
    const QString text = pdfText(pdf);
    if (!text.isNull()) {
        EXPECT_TRUE(text.contains(QStringLiteral("Grad-CAM"))) << text.toStdString();
        EXPECT_TRUE(text.contains(QStringLiteral("MobileNet V2"))) << text.toStdString();
    }
    const Expected<void> bad = writeComparePdf(dir.filePath(QStringLiteral("missing/dir/x.pdf")), info);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.kind(), ErrorKind::Internal);
    EXPECT_NE(bad.message().find("x.pdf"), std::string::npos);

    const QString sample = samplePath(QStringLiteral("compare.pdf"));
    if (!sample.isEmpty()) {
        EXPECT_TRUE(writeComparePdf(sample, info).ok());
    }
}

// The explained class's row is bold: its probability still fits whole when it is the widest there is, 100.0%,
// in the narrowest cells (eleven models) as in wide ones.
TEST(ComparePage, ACertainClassShowsItsWholeProbability)
{
    for (int models : {4, 11}) {
        ComparePageInfo info = compareInfo(models);
        for (CompareCellInfo& cell : info.cells) {
            auto certain = std::make_shared<AnalysisResult>(*cell.result);
            certain->prediction.top[0].probability = 1.0f;
            cell.result = certain;
        }
        QTemporaryDir dir;
        ASSERT_TRUE(dir.isValid());
        const QString pdf = dir.filePath(QStringLiteral("certain.pdf"));
        ASSERT_TRUE(writeComparePdf(pdf, info).ok());
        const QString text = pdfText(pdf);
        if (text.isNull())
            GTEST_SKIP() << "pdftotext is not installed";
        EXPECT_EQ(text.count(QStringLiteral("100.0%")), models) << text.toStdString();
        EXPECT_FALSE(text.contains(QStringLiteral("100.\u2026"))) << text.toStdString();
    }
}

}  // namespace
}  // namespace convlens
