// Widget tests for the main views: OverlayView, ColorBarWidget, PredictionList, FeatureMapGrid (with its tile
// model, histogram and channel dialog). Offscreen platform. The last test renders each widget with realistic
// content (a photo, a smooth heatmap, synthetic feature maps) to PNGs under <test binary dir>/screenshots.
#include "ui/channelviewdialog.h"
#include "ui/colorbarwidget.h"
#include "ui/compareview.h"
#include "ui/featuremapgrid.h"
#include "ui/histogramwidget.h"
#include "ui/methodsgridview.h"
#include "ui/overlayview.h"
#include "ui/predictiondelegate.h"
#include "ui/predictionlist.h"
#include "ui/theme.h"
#include "ui/tilemodel.h"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QPushButton>
#include <QListWidget>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QVBoxLayout>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

using namespace convlens;

namespace {

// A smooth RGB888 test image: colour gradients, so every pixel differs from its overlay.
QImage gradientImage(int size)
{
    QImage image(size, size, QImage::Format_RGB888);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            image.setPixel(x, y, qRgb(x * 255 / size, y * 255 / size, (x + y) * 127 / size));
    return image;
}

// A Gaussian blob centred at (cx, cy) (fractions of the side) with spread `sigma` (fraction), in [0,1].
std::vector<float> blobHeatmap(int size, double cx, double cy, double sigma)
{
    std::vector<float> map(static_cast<size_t>(size) * size);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const double dx = (x + 0.5) / size - cx, dy = (y + 0.5) / size - cy;
            map[static_cast<size_t>(y) * size + x] =
                static_cast<float>(std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)));
        }
    return map;
}

void expectSamePixels(const QImage& a, const QImage& b)
{
    ASSERT_FALSE(a.isNull());
    ASSERT_FALSE(b.isNull());
    ASSERT_EQ(a.size(), b.size());
    const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
    for (int row = 0; row < x.height(); ++row)
        for (int col = 0; col < x.width(); ++col)
            ASSERT_EQ(x.pixel(col, row), y.pixel(col, row)) << "pixel " << col << "," << row;
}

int differingPixels(const QImage& a, const QImage& b)
{
    const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
    int n = 0;
    for (int row = 0; row < x.height(); ++row)
        for (int col = 0; col < x.width(); ++col)
            n += x.pixel(col, row) != y.pixel(col, row) ? 1 : 0;
    return n;
}

QImage shownPixmap(const OverlayView& view)
{
    for (QGraphicsItem* item : view.scene()->items())
        if (auto* pixmap = dynamic_cast<QGraphicsPixmapItem*>(item))
            return pixmap->pixmap().toImage();
    return {};
}

Prediction catPrediction()
{
    Prediction p;
    p.top = {{281, "tabby", 0.623f},
             {282, "tiger cat", 0.214f},
             {285, "Egyptian cat", 0.118f},
             {287, "lynx", 0.0131f},
             {283, "Persian cat", 0.0042f}};
    p.logits.assign(1000, 0.0f);
    return p;
}

// A layer of `channels` channels, every one a side×side tile of smooth blobs, sorted strongest first; channel
// statistics derived from the tiles' values (value = gray / 255 * (channel + 1) / 100, so means differ).
LayerResult syntheticLayer(const std::string& name, int channels, int side, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    LayerResult layer;
    layer.name = name;
    layer.shape = {channels, side, side};
    layer.channels.resize(static_cast<size_t>(channels));
    std::vector<std::pair<float, int>> order;
    std::vector<QImage> images(static_cast<size_t>(channels));
    long zeros = 0;
    for (int c = 0; c < channels; ++c) {
        const double cx = uni(rng), cy = uni(rng), sigma = 0.12 + 0.25 * uni(rng), cut = 0.2 + 0.3 * uni(rng);
        QImage tile(side, side, QImage::Format_Grayscale8);
        double sum = 0.0;
        int zeroCount = 0;
        const bool dead = c % 97 == 13;
        for (int y = 0; y < side; ++y)
            for (int x = 0; x < side; ++x) {
                const double dx = (x + 0.5) / side - cx, dy = (y + 0.5) / side - cy;
                const double v = dead ? 0.0 : std::max(0.0, std::exp(-(dx * dx + dy * dy) / (2 * sigma * sigma)) - cut);
                const int gray = static_cast<int>(std::lround(v / (1.0 - cut) * 255.0));
                tile.scanLine(y)[x] = static_cast<uchar>(gray);
                sum += v;
                zeroCount += gray == 0 ? 1 : 0;
            }
        const float scale = static_cast<float>(c % 50 + 1) / 10.0f;
        ChannelStats& s = layer.channels[static_cast<size_t>(c)];
        s.mean = static_cast<float>(sum / (side * side)) * scale;
        s.max = dead ? 0.0f : (1.0f - static_cast<float>(cut)) * scale;
        s.sparsity = static_cast<float>(zeroCount) / static_cast<float>(side * side);
        s.dead = dead;
        layer.deadChannels += dead ? 1 : 0;
        zeros += zeroCount;
        images[static_cast<size_t>(c)] = tile;
        order.emplace_back(s.mean, c);
    }
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [mean, c] : order) {
        // The shared-scale drawing, told apart from the channel's own by being its negative.
        QImage shared = images[static_cast<size_t>(c)];
        shared.invertPixels();
        layer.tiles.push_back(ChannelTile{c, mean, images[static_cast<size_t>(c)], shared});
    }
    layer.sparsity = static_cast<float>(zeros) / static_cast<float>(channels * side * side);
    layer.histogramMin = 0.0f;
    layer.histogramMax = 4.0f;
    for (int b = 0; b < 64; ++b)
        layer.histogram.push_back(b == 0 ? static_cast<float>(zeros)
                                         : static_cast<float>(std::lround(20000.0 * std::exp(-b / 9.0))));
    return layer;
}

ResultPtr syntheticResult(int channels, int side)
{
    auto result = std::make_shared<AnalysisResult>();
    result->modelId = "resnet50";
    result->input = gradientImage(224);
    result->prediction = catPrediction();
    result->layers.push_back(syntheticLayer("layer4", channels, side, 7));
    result->layers.push_back(syntheticLayer("layer2", 64, 28, 8));
    return result;
}

QListView* tileView(FeatureMapGrid& grid)
{
    return grid.findChild<QListView*>();
}

TileModel* tileModel(FeatureMapGrid& grid)
{
    return qobject_cast<TileModel*>(tileView(grid)->model());
}

}  // namespace

// ---- OverlayView ------------------------------------------------------------------------------------------------

TEST(OverlayView, HeatmapAndOpacityChangeTheComposedImage)
{
    OverlayView view;
    const QImage image = gradientImage(64);
    const std::vector<float> heat = blobHeatmap(64, 0.4, 0.6, 0.2);
    view.setImage(image);
    EXPECT_FALSE(view.hasHeatmap());
    expectSamePixels(view.composedImage(), image);

    view.setHeatmap(heat, 64);
    EXPECT_TRUE(view.hasHeatmap());
    const QImage half = view.composedImage();
    expectSamePixels(half, overlayHeatmap(image, heat, 64, Colormap::Jet, 0.5f));
    EXPECT_GT(differingPixels(half, image), 64 * 64 * 9 / 10);
    expectSamePixels(shownPixmap(view), half);

    view.setOpacity(0.8f);
    EXPECT_FLOAT_EQ(view.opacity(), 0.8f);
    const QImage strong = view.composedImage();
    expectSamePixels(strong, overlayHeatmap(image, heat, 64, Colormap::Jet, 0.8f));
    EXPECT_GT(differingPixels(strong, half), 64 * 64 / 2);
    expectSamePixels(shownPixmap(view), strong);

    view.setColormap(Colormap::Viridis);
    expectSamePixels(view.composedImage(), overlayHeatmap(image, heat, 64, Colormap::Viridis, 0.8f));

    view.setOpacity(3.0f);  // clamped
    EXPECT_FLOAT_EQ(view.opacity(), 1.0f);
    expectSamePixels(view.composedImage(), heatmapImage(heat, 64, Colormap::Viridis));
}

TEST(OverlayView, ToggleRestoresThePlainImage)
{
    OverlayView view;
    const QImage image = gradientImage(48);
    view.setImage(image);
    view.setHeatmap(blobHeatmap(48, 0.5, 0.5, 0.3), 48);
    ASSERT_GT(differingPixels(view.composedImage(), image), 0);

    view.setOverlayVisible(false);
    EXPECT_FALSE(view.overlayVisible());
    expectSamePixels(view.composedImage(), image);
    expectSamePixels(shownPixmap(view), image);

    view.setOverlayVisible(true);
    expectSamePixels(view.composedImage(),
                     overlayHeatmap(image, blobHeatmap(48, 0.5, 0.5, 0.3), 48, Colormap::Jet, 0.5f));

    view.setHeatmap({}, 0);  // removes the overlay
    EXPECT_FALSE(view.hasHeatmap());
    expectSamePixels(view.composedImage(), image);
}

TEST(OverlayView, RejectsAHeatmapOfTheWrongLengthAndStretchesOneOfAnotherSize)
{
    OverlayView view;
    const QImage image = gradientImage(32);
    view.setImage(image);
    view.setHeatmap(std::vector<float>(10, 0.5f), 32);  // not 32×32
    EXPECT_FALSE(view.hasHeatmap());
    expectSamePixels(view.composedImage(), image);

    // A 16×16 heatmap over a 32×32 image: stretched, so a uniform map gives a uniform blend everywhere.
    view.setHeatmap(std::vector<float>(256, 1.0f), 16);
    view.setOpacity(1.0f);
    const QImage composed = view.composedImage();
    ASSERT_EQ(composed.size(), image.size());
    EXPECT_EQ(composed.pixel(0, 0), colormapColor(Colormap::Jet, 1.0f));
    EXPECT_EQ(composed.pixel(31, 31), colormapColor(Colormap::Jet, 1.0f));
}

TEST(OverlayView, EmptyViewShowsThePlaceholderAndZoomWorks)
{
    OverlayView view;
    view.resize(400, 300);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    EXPECT_TRUE(view.composedImage().isNull());
    view.zoomIn();  // nothing to zoom
    EXPECT_DOUBLE_EQ(view.zoom(), 1.0);

    view.setImage(gradientImage(100));
    QApplication::processEvents();
    // Fitted: the image fills the smaller side of the viewport, less a margin.
    const double fit = view.zoom();
    EXPECT_GT(fit, 2.0);
    EXPECT_LT(fit, 3.0);
    view.zoomIn();
    EXPECT_NEAR(view.zoom(), fit * 1.25, 1e-9);
    view.zoomOut();
    view.zoomOut();
    EXPECT_NEAR(view.zoom(), fit / 1.25, 1e-9);
    view.resetZoom();
    EXPECT_DOUBLE_EQ(view.zoom(), 1.0);
    view.resize(600, 500);  // no longer fitting after a manual zoom
    QApplication::processEvents();
    EXPECT_DOUBLE_EQ(view.zoom(), 1.0);
    view.zoomToFit();
    EXPECT_GT(view.zoom(), 4.0);

    view.setImage(QImage());
    EXPECT_TRUE(view.composedImage().isNull());
    EXPECT_DOUBLE_EQ(view.zoom(), 1.0);
}

// ---- PredictionList ---------------------------------------------------------------------------------------------

TEST(PredictionList, ClickingARowEmitsItsClassIndex)
{
    PredictionList list;
    list.resize(320, 260);
    QSignalSpy spy(&list, &PredictionList::classSelected);
    const Prediction prediction = catPrediction();
    list.setPrediction(prediction);
    list.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&list));
    EXPECT_EQ(list.rowCount(), 5);
    EXPECT_EQ(list.selectedClass(), 281);
    EXPECT_EQ(spy.count(), 0);  // setPrediction selects without emitting

    auto* widget = list.findChild<QListWidget*>();
    ASSERT_NE(widget, nullptr);
    const QRect third = widget->visualItemRect(widget->item(2));
    ASSERT_TRUE(third.isValid());
    QTest::mouseClick(widget->viewport(), Qt::LeftButton, Qt::NoModifier, third.center());
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).toInt(), 285);
    EXPECT_EQ(list.selectedClass(), 285);

    QTest::keyClick(widget, Qt::Key_Down);
    ASSERT_EQ(spy.count(), 2);
    EXPECT_EQ(spy.at(1).at(0).toInt(), 287);

    EXPECT_TRUE(list.selectClass(282));
    EXPECT_EQ(list.selectedClass(), 282);
    EXPECT_FALSE(list.selectClass(999));
    EXPECT_EQ(list.selectedClass(), -1) << "a class beyond the list (the class picker's) selects no row";
    EXPECT_EQ(spy.count(), 2);  // selectClass never emits

    list.clear();
    EXPECT_EQ(list.rowCount(), 0);
    EXPECT_EQ(list.selectedClass(), -1);
}

TEST(PredictionList, RowsCarryTheDataTheDelegatePaints)
{
    PredictionList list;
    list.setPrediction(catPrediction());
    auto* widget = list.findChild<QListWidget*>();
    ASSERT_NE(widget, nullptr);
    EXPECT_EQ(widget->item(0)->text(), QStringLiteral("tabby"));
    EXPECT_TRUE(widget->item(1)->toolTip().contains(QStringLiteral("class 282")));
    EXPECT_TRUE(widget->item(1)->toolTip().contains(QStringLiteral("21.4 %")));
    // The rendered rows differ where the probability bars differ: the top row's bar is longer.
    list.resize(320, 260);
    const QImage shot = list.grab().toImage();
    const QRect first = widget->visualItemRect(widget->item(0)), last = widget->visualItemRect(widget->item(4));
    const QPoint offset = widget->viewport()->mapTo(&list, QPoint(0, 0));
    const QColor highlight = list.palette().color(QPalette::Highlight);
    auto barPixels = [&](const QRect& row) {
        int n = 0;
        const int y = offset.y() + row.bottom() - 9;  // inside the bar, kPadY + kBarHeight / 2 from the bottom
        for (int x = offset.x() + row.left(); x <= offset.x() + row.right(); ++x) {
            const QColor c = shot.pixelColor(x * shot.width() / list.width(), y * shot.height() / list.height());
            n += std::abs(c.red() - highlight.red()) + std::abs(c.green() - highlight.green()) +
                             std::abs(c.blue() - highlight.blue()) <
                         60
                     ? 1
                     : 0;
        }
        return n;
    };
    const int topBar = barPixels(first), lastBar = barPixels(last);
    EXPECT_GT(topBar, 80);
    EXPECT_LT(lastBar, 15);
}

TEST(PredictionList, ClassNamesAreWholeWhenThereIsRoomAndCutInTheMiddleWhenNot)
{
    const QFont font = QApplication::font();
    const QString name = QStringLiteral("cauliflower");
    // A narrow dock (about 250 px): the name fits beside a small figure and is not cut.
    const QString percent = PredictionDelegate::percentText(0.00004f);
    EXPECT_EQ(PredictionDelegate::shownLabel(font, name, percent, 250, 1), name);
    // Really short of room: cut in the middle, both ends kept.
    const QString longName = QStringLiteral("Granny Smith, a green apple of unusually long description");
    const QString shown = PredictionDelegate::shownLabel(font, longName, percent, 250, 2);
    EXPECT_NE(shown, longName);
    EXPECT_TRUE(shown.startsWith(QStringLiteral("Gran"))) << shown.toStdString();
    EXPECT_TRUE(shown.endsWith(QStringLiteral("tion"))) << shown.toStdString();
    // Wider, it is whole again.
    EXPECT_EQ(PredictionDelegate::shownLabel(font, longName, percent, 900, 2), longName);
}

// ---- FeatureMapGrid ---------------------------------------------------------------------------------------------

TEST(FeatureMapGrid, LargeLayerStaysVirtualised)
{
    const ResultPtr result = syntheticResult(2048, 7);
    FeatureMapGrid grid;
    grid.resize(720, 560);
    grid.setLayer(result, QStringLiteral("layer4"));
    EXPECT_EQ(grid.layer(), QStringLiteral("layer4"));
    EXPECT_EQ(grid.tileCount(), 2048);
    TileModel* model = tileModel(grid);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->rowCount(), 2048);
    EXPECT_EQ(tileView(grid)->viewMode(), QListView::IconMode);
    EXPECT_TRUE(tileView(grid)->uniformItemSizes());

    grid.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&grid));
    grid.grab();  // paints the visible tiles
    const int visible = model->renderedCount();
    EXPECT_GT(visible, 4);
    EXPECT_LT(visible, 60) << "tiles rendered for one screen";

    QScrollBar* bar = tileView(grid)->verticalScrollBar();
    ASSERT_GT(bar->maximum(), 0);
    bar->setValue(bar->maximum());
    grid.grab();
    const int afterScroll = model->renderedCount();
    EXPECT_GT(afterScroll, visible);
    EXPECT_LT(afterScroll, 120);
    // The last tile is on screen now and rendered through the view.
    EXPECT_TRUE(tileView(grid)->viewport()->rect().intersects(tileView(grid)->visualRect(model->index(2047))));
}

namespace {

// `grid` on screen showing "layer4" of a 512-channel result: more tiles than fit, so it scrolls.
bool showManyTiles(FeatureMapGrid& grid)
{
    grid.resize(720, 560);
    grid.setLayer(syntheticResult(512, 7), QStringLiteral("layer4"));
    grid.show();
    return QTest::qWaitForWindowExposed(&grid);
}

}  // namespace

TEST(FeatureMapGrid, ANewResultForTheSameLayerKeepsTheScrollPosition)
{
    FeatureMapGrid grid;
    ASSERT_TRUE(showManyTiles(grid));
    QScrollBar* bar = tileView(grid)->verticalScrollBar();
    ASSERT_GT(bar->maximum(), 1000);
    tileView(grid)->setCurrentIndex(tileModel(grid)->index(100));
    bar->setValue(900);
    const int channel = tileModel(grid)->index(100).data(TileModel::ChannelRole).toInt();

    grid.setLayer(syntheticResult(512, 7), QStringLiteral("layer4"));  // e.g. re-run with the shared scale
    EXPECT_EQ(bar->value(), 900);
    EXPECT_EQ(tileView(grid)->currentIndex().data(TileModel::ChannelRole).toInt(), channel);

    grid.setLayer(syntheticResult(512, 7), QStringLiteral("layer2"));  // another layer starts at the top
    EXPECT_EQ(bar->value(), 0);
}

TEST(FeatureMapGrid, APartialResultWhoseFeatureMapsFollowKeepsTheShownLayerOrSaysTheyFollow)
{
    // The analyzer delivers the first method's maps before the layer summaries: a partial result without layers.
    auto withoutLayers = std::make_shared<AnalysisResult>(*syntheticResult(512, 7));
    withoutLayers->layers.clear();
    const ResultPtr partial = withoutLayers;

    FeatureMapGrid grid;
    ASSERT_TRUE(showManyTiles(grid));
    QScrollBar* bar = tileView(grid)->verticalScrollBar();
    bar->setValue(600);
    grid.setLayer(partial, QStringLiteral("layer4"), true);
    EXPECT_EQ(grid.tileCount(), 512) << "the shown layer stays until its new maps come";
    EXPECT_EQ(bar->value(), 600);
    grid.setLayer(syntheticResult(512, 7), QStringLiteral("layer4"));  // the feature maps came
    EXPECT_EQ(bar->value(), 600) << "the place in the grid is kept";

    // Another layer, or none shown yet: they follow, said so (not "was not recorded").
    FeatureMapGrid empty;
    empty.setLayer(partial, QStringLiteral("layer3"), true);
    EXPECT_EQ(empty.tileCount(), 0);
    bool follows = false, notRecorded = false;
    for (QLabel* label : empty.findChildren<QLabel*>()) {
        follows = follows || (label->isVisibleTo(&empty) && label->text().contains(QStringLiteral("follow")));
        notRecorded = notRecorded || (label->isVisibleTo(&empty) && label->text().contains(QStringLiteral("recorded")));
    }
    EXPECT_TRUE(follows);
    EXPECT_FALSE(notRecorded);
    // A complete result without the layer is a layer not recorded.
    empty.setLayer(partial, QStringLiteral("layer3"), false);
    for (QLabel* label : empty.findChildren<QLabel*>())
        notRecorded = notRecorded || (label->isVisibleTo(&empty) && label->text().contains(QStringLiteral("recorded")));
    EXPECT_TRUE(notRecorded);
}

TEST(FeatureMapGrid, TilesShowChannelAndMeanAndTooltipsTheStatistics)
{
    const ResultPtr result = syntheticResult(256, 14);
    FeatureMapGrid grid;
    grid.setLayer(result, QStringLiteral("layer4"));
    TileModel* model = tileModel(grid);
    const LayerResult& layer = result->layers[0];
    const ChannelTile& first = layer.tiles[0];
    const ChannelStats& stats = layer.channels[static_cast<size_t>(first.channel)];
    const QModelIndex index = model->index(0);
    EXPECT_EQ(index.data(Qt::DisplayRole).toString(),
              QStringLiteral("ch %1 · %2").arg(first.channel).arg(TileModel::formatValue(first.mean)));
    EXPECT_EQ(index.data(TileModel::ChannelRole).toInt(), first.channel);
    const QString tip = index.data(Qt::ToolTipRole).toString();
    EXPECT_TRUE(tip.contains(QStringLiteral("channel %1").arg(first.channel))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(TileModel::formatValue(stats.mean))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(TileModel::formatValue(stats.max))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("%1 %").arg(stats.sparsity * 100.0, 0, 'f', 1))) << tip.toStdString();
    EXPECT_TRUE(tip.contains(QStringLiteral("per channel"))) << tip.toStdString();

    // A dead channel says so.
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex i = model->index(row);
        const bool dead = layer.channels[static_cast<size_t>(i.data(TileModel::ChannelRole).toInt())].dead;
        EXPECT_EQ(i.data(TileModel::DeadRole).toBool(), dead);
        if (dead) {
            EXPECT_TRUE(i.data(Qt::ToolTipRole).toString().contains(QStringLiteral("dead")));
        }
    }

    // Small maps are upscaled by a whole factor with nearest-neighbour sampling.
    const QImage pixmap = index.data(Qt::DecorationRole).value<QPixmap>().toImage();
    ASSERT_EQ(pixmap.size(), QSize(14 * 6, 14 * 6));
    for (int y = 0; y < 14; ++y)
        for (int x = 0; x < 14; ++x)
            ASSERT_EQ(qGray(pixmap.pixel(x * 6 + 5, y * 6)), first.image.constScanLine(y)[x]) << x << "," << y;
}

TEST(TileModel, SmallValuesAreShownNotRoundedToZero)
{
    EXPECT_EQ(TileModel::formatValue(2.9e-08f), QStringLiteral("2.9e-08"));
    EXPECT_EQ(TileModel::formatValue(0.0042f), QStringLiteral("0.0042"));
    EXPECT_EQ(TileModel::formatValue(0.0f), QStringLiteral("0.00"));
    EXPECT_EQ(TileModel::formatValue(1.5f), QStringLiteral("1.50"));
    ChannelTile tile;
    tile.channel = 7;
    tile.mean = 2.9e-08f;
    EXPECT_EQ(TileModel::tileLabel(tile), QStringLiteral("ch 7 · 2.9e-08"));
}

TEST(FeatureMapGrid, SharedScaleCheckboxEmitsAndSetterDoesNot)
{
    FeatureMapGrid grid;
    grid.setLayer(syntheticResult(64, 7), QStringLiteral("layer4"));
    grid.resize(600, 400);
    grid.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&grid));
    QSignalSpy spy(&grid, &FeatureMapGrid::sharedScaleToggled);
    auto* box = grid.findChild<QCheckBox*>();
    ASSERT_NE(box, nullptr);
    EXPECT_FALSE(grid.sharedScale());
    QTest::mouseClick(box, Qt::LeftButton, Qt::NoModifier, QPoint(8, box->height() / 2));
    ASSERT_EQ(spy.count(), 1);
    EXPECT_TRUE(spy.at(0).at(0).toBool());
    EXPECT_TRUE(grid.sharedScale());
    EXPECT_TRUE(tileModel(grid)->index(0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("shared")));
    // A redraw from the result's shared-scale tiles, no new analysis: the first tile now shows its sharedImage.
    const ChannelTile& first = tileModel(grid)->layer()->tiles.front();
    const QImage drawn = tileModel(grid)->index(0).data(Qt::DecorationRole).value<QPixmap>().toImage();
    const int factor = drawn.width() / 7;
    ASSERT_GT(factor, 1);
    EXPECT_EQ(qGray(drawn.pixel(factor / 2, factor / 2)), first.sharedImage.constScanLine(0)[0]);
    EXPECT_NE(first.sharedImage.constScanLine(0)[0], first.image.constScanLine(0)[0]);

    grid.setSharedScale(false);
    EXPECT_FALSE(grid.sharedScale());
    EXPECT_EQ(spy.count(), 1);
}

TEST(FeatureMapGrid, ClickingATileOpensTheChannelView)
{
    const ResultPtr result = syntheticResult(64, 7);
    FeatureMapGrid grid;
    grid.resize(600, 480);
    grid.setLayer(result, QStringLiteral("layer4"));
    grid.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&grid));
    QSignalSpy spy(&grid, &FeatureMapGrid::channelActivated);
    QListView* view = tileView(grid);
    const QModelIndex second = view->model()->index(1, 0);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, view->visualRect(second).center());
    ASSERT_EQ(spy.count(), 1);
    const ChannelTile& tile = result->layers[0].tiles[1];
    EXPECT_EQ(spy.at(0).at(0).toString(), QStringLiteral("layer4"));
    EXPECT_EQ(spy.at(0).at(1).toInt(), tile.channel);

    ChannelViewDialog* dialog = grid.channelDialog();
    ASSERT_NE(dialog, nullptr);
    EXPECT_TRUE(dialog->isVisible());
    EXPECT_EQ(dialog->channel(), tile.channel);
    // 7×7 upscaled by 64 with nearest-neighbour sampling: each block is one value, gray by default.
    const QImage shown = dialog->shownImage();
    ASSERT_EQ(shown.size(), QSize(448, 448));
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) {
            const int v = tile.image.constScanLine(y)[x];
            ASSERT_EQ(shown.pixel(x * 64, y * 64), qRgb(v, v, v));
            ASSERT_EQ(shown.pixel(x * 64 + 63, y * 64 + 63), qRgb(v, v, v));
        }
    dialog->setColormapIndex(4);  // inferno
    const int v = tile.image.constScanLine(3)[3];
    EXPECT_EQ(dialog->shownImage().pixel(3 * 64 + 10, 3 * 64 + 10), colormapColor(Colormap::Inferno, v / 255.0f));

    // Previous / Next walk the shown channels, strongest first, and stop at the ends.
    const int shownTiles = static_cast<int>(result->layers[0].tiles.size());
    ASSERT_GE(shownTiles, 3);
    EXPECT_TRUE(dialog->showNext());
    EXPECT_EQ(dialog->channel(), result->layers[0].tiles[2].channel);
    EXPECT_EQ(view->currentIndex().row(), 2) << "the grid's selection follows the large view";
    EXPECT_TRUE(dialog->showPrevious());
    EXPECT_TRUE(dialog->showPrevious());
    EXPECT_EQ(dialog->tileIndex(), 0);
    EXPECT_EQ(view->currentIndex().row(), 0);
    EXPECT_FALSE(dialog->showPrevious()) << "the first is the strongest";
    auto* previous = dialog->findChild<QPushButton*>(QStringLiteral("previousChannel"));
    ASSERT_NE(previous, nullptr);
    EXPECT_FALSE(previous->isEnabled());
    while (dialog->showNext()) {
    }
    EXPECT_EQ(dialog->tileIndex(), shownTiles - 1);
    EXPECT_FALSE(dialog->findChild<QPushButton*>(QStringLiteral("nextChannel"))->isEnabled());

    // Over the photo: the channel, coloured, blended with the crop the network saw.
    const QImage alone = dialog->shownImage();
    dialog->setOverPhoto(true);
    const QImage over = dialog->shownImage();
    ASSERT_EQ(over.size(), QSize(448, 448));
    EXPECT_NE(over, alone);
    const QImage photo = result->input.scaled(448, 448).convertToFormat(QImage::Format_RGB32);
    EXPECT_NE(over.pixel(5, 5), photo.pixel(5, 5)) << "the channel is laid over the photo";
    EXPECT_NE(over.pixel(5, 5), alone.pixel(5, 5)) << "and the photo shows through";
    dialog->close();
}

TEST(FeatureMapGrid, UnknownLayerOrNoResultShowsAHint)
{
    FeatureMapGrid grid;
    EXPECT_EQ(grid.tileCount(), 0);
    grid.setLayer(syntheticResult(16, 7), QStringLiteral("layer9"));
    EXPECT_EQ(grid.tileCount(), 0);
    EXPECT_EQ(grid.layer(), QStringLiteral("layer9"));
    bool hinted = false;
    for (QLabel* label : grid.findChildren<QLabel*>())
        hinted = hinted || (label->isVisibleTo(&grid) && label->text().contains(QStringLiteral("layer9")));
    EXPECT_TRUE(hinted);
    grid.setLayer(syntheticResult(16, 7), QStringLiteral("layer2"));
    EXPECT_EQ(grid.tileCount(), 64);
    grid.clear();
    EXPECT_EQ(grid.tileCount(), 0);
}

TEST(HistogramWidget, MapsPositionsToBins)
{
    HistogramWidget histogram;
    histogram.resize(208, 80);
    EXPECT_EQ(histogram.binAt(100), -1);
    histogram.setHistogram(std::vector<float>(50, 1.0f), 0.0f, 5.0f);
    EXPECT_EQ(histogram.binCount(), 50);
    EXPECT_EQ(histogram.binAt(4), 0);     // the plot starts after a 4 px margin
    EXPECT_EQ(histogram.binAt(203), 49);  // and ends 4 px before the edge
    EXPECT_EQ(histogram.binAt(104), 25);
    EXPECT_EQ(histogram.binAt(2), -1);
}

// ---- Screenshots ------------------------------------------------------------------------------------------------

namespace {

QImage photoCrop()
{
    const QImage photo(QStringLiteral("/usr/lib/python3/dist-packages/skimage/data/chelsea.png"));
    if (photo.isNull())
        return gradientImage(224);
    // Resize the short side to 256 and centre-crop 224, as the networks see it.
    const QImage resized =
        photo.scaled(photo.width() * 256 / photo.height(), 256, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    return resized.copy((resized.width() - 224) / 2, 16, 224, 224).convertToFormat(QImage::Format_RGB888);
}

// The overlay, colour bar and predictions laid out as the main window will.
std::unique_ptr<QWidget> mainViewMock(const QImage& crop, const std::vector<float>& heat)
{
    auto panel = std::make_unique<QWidget>();
    panel->setAutoFillBackground(true);
    auto* overlay = new OverlayView(panel.get());
    overlay->setImage(crop);
    overlay->setHeatmap(heat, 224);
    overlay->setColormap(Colormap::Turbo);
    overlay->setOpacity(0.45f);
    auto* bar = new ColorBarWidget(panel.get());
    bar->setColormap(Colormap::Turbo);
    bar->setLabels(QStringLiteral("0"), QStringLiteral("1"));
    auto* predictions = new PredictionList(panel.get());
    predictions->setPrediction(catPrediction());
    predictions->selectClass(282);
    auto* left = new QVBoxLayout;
    left->addWidget(overlay, 1);
    left->addWidget(bar);
    auto* layout = new QHBoxLayout(panel.get());
    layout->setContentsMargins(12, 12, 12, 12);
    layout->setSpacing(12);
    layout->addLayout(left, 3);
    layout->addWidget(predictions, 2);
    panel->resize(760, 500);
    return panel;
}

}  // namespace

TEST(ViewsScreenshots, RenderEachWidget)
{
    const QString dir = QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots");
    ASSERT_TRUE(QDir().mkpath(dir));
    const QImage crop = photoCrop();
    const std::vector<float> heat = blobHeatmap(224, 0.48, 0.42, 0.17);

    for (bool dark : {false, true}) {
        const QString suffix = dark ? QStringLiteral("-dark") : QString();
        auto main = mainViewMock(crop, heat);
        if (dark)
            main->setPalette(darkPalette());
        main->show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(main.get()));
        const QPixmap shot = main->grab();
        EXPECT_EQ(shot.size(), main->size() * shot.devicePixelRatio());
        EXPECT_TRUE(shot.save(dir + QStringLiteral("/mainview%1.png").arg(suffix)));

        FeatureMapGrid grid;
        if (dark)
            grid.setPalette(darkPalette());
        grid.resize(760, 560);
        grid.setLayer(syntheticResult(512, 7), QStringLiteral("layer4"));
        grid.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&grid));
        tileView(grid)->setCurrentIndex(tileModel(grid)->index(2));
        EXPECT_TRUE(grid.grab().save(dir + QStringLiteral("/featuremapgrid%1.png").arg(suffix)));
        if (!dark) {
            // The weakest channels, dead ones among them, with the shared scale.
            grid.setSharedScale(true);
            tileView(grid)->verticalScrollBar()->setValue(tileView(grid)->verticalScrollBar()->maximum());
            EXPECT_TRUE(grid.grab().save(dir + QStringLiteral("/featuremapgrid-end.png")));
        }

        ChannelViewDialog dialog;
        if (dark)
            dialog.setPalette(darkPalette());
        const ResultPtr result = syntheticResult(64, 14);
        dialog.setChannel(result, &result->layers[0], 0, false);
        dialog.setColormapIndex(3);
        dialog.show();
        ASSERT_TRUE(QTest::qWaitForWindowExposed(&dialog));
        EXPECT_TRUE(dialog.grab().save(dir + QStringLiteral("/channelview%1.png").arg(suffix)));
        dialog.setOverPhoto(true);
        EXPECT_TRUE(dialog.grab().save(dir + QStringLiteral("/channelview-overphoto%1.png").arg(suffix)));
    }

    OverlayView zoomed;
    zoomed.resize(420, 320);
    zoomed.setImage(crop);
    zoomed.setHeatmap(heat, 224);
    zoomed.setColormap(Colormap::Inferno);
    zoomed.setOpacity(0.6f);
    zoomed.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&zoomed));
    zoomed.resetZoom();
    zoomed.zoomIn();
    zoomed.zoomIn();
    zoomed.zoomIn();  // ~2×: the crop is smooth-scaled, not blocky
    EXPECT_TRUE(zoomed.grab().save(dir + QStringLiteral("/overlay-zoomed.png")));

    PredictionList narrow;
    Prediction dogs;
    dogs.top = {{235, "German shepherd, German shepherd dog, German police dog, alsatian", 0.91f},
                {232, "Border collie", 0.05f},
                {254, "pug, pug-dog", 0.00004f}};
    narrow.setPrediction(dogs);
    narrow.resize(240, 160);
    narrow.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&narrow));
    EXPECT_TRUE(narrow.grab().save(dir + QStringLiteral("/predictions-narrow.png")));
    PredictionList none;
    none.resize(240, 120);
    EXPECT_TRUE(none.grab().save(dir + QStringLiteral("/predictions-empty.png")));

    OverlayView empty;
    empty.setPlaceholder(QStringLiteral("Drop an image here, or File ▸ Open"));
    empty.resize(400, 300);
    empty.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&empty));
    EXPECT_TRUE(empty.grab().save(dir + QStringLiteral("/overlay-empty.png")));
}

// Before a class is chosen each compare cell explains its own top class (the models were asked for nothing else):
// two models with different top classes both show a map, none says it has no map.
TEST(CompareView, WithoutAChosenClassEachCellShowsItsOwnTopClass)
{
    CompareView view;
    view.setModels({{QStringLiteral("a"), QStringLiteral("Model A")}, {QStringLiteral("b"), QStringLiteral("Model B")}});
    const auto result = [](int top, const char* label) {
        auto r = std::make_shared<AnalysisResult>();
        r->input = QImage(8, 8, QImage::Format_RGB888);
        r->input.fill(Qt::gray);
        r->prediction.top = {{top, label, 0.9f}, {top + 1, "other", 0.05f}};
        CamResult cam;
        cam.method = "gradcam";
        cam.classIndex = top;
        cam.label = label;
        cam.layer = "layer4";
        cam.gridHeight = cam.gridWidth = 2;
        cam.grid = {0.f, 1.f, 2.f, 3.f};
        cam.heatmapSize = 8;
        cam.heatmap.assign(64, 0.5f);
        r->cams.push_back(cam);
        return ResultPtr(r);
    };
    view.setResult(QStringLiteral("a"), result(281, "tabby"));
    view.setResult(QStringLiteral("b"), result(657, "missile"));
    QString texts;
    for (const QLabel* label : view.findChildren<QLabel*>())
        texts += label->text() + QLatin1Char('\n');
    EXPECT_FALSE(texts.contains(QStringLiteral("No "))) << texts.toStdString();
    EXPECT_TRUE(texts.contains(QStringLiteral("<b>tabby</b>"))) << texts.toStdString();
    EXPECT_TRUE(texts.contains(QStringLiteral("<b>missile</b>"))) << texts.toStdString();
}

TEST(MethodsGridView, TheColumnsGiveTheMapsTheLargestSquares)
{
    // A wide, short area: one row; a tall, narrow one: one column; a square one: a near-square grid.
    EXPECT_EQ(MethodsGridView::bestColumns(6, QSize(1200, 260)), 6);
    EXPECT_EQ(MethodsGridView::bestColumns(6, QSize(260, 1600)), 1);
    EXPECT_EQ(MethodsGridView::bestColumns(6, QSize(700, 800)), 3);
    EXPECT_EQ(MethodsGridView::bestColumns(1, QSize(700, 800)), 1);
    EXPECT_EQ(MethodsGridView::bestColumns(0, QSize(700, 800)), 1);
}
