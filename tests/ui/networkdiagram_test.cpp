// NetworkDiagram: clicking a block selects it, its context menu requests the CAM target, stages collapse and
// expand (and selecting a block inside a collapsed stage expands it), a large network lays out quickly, and the
// real resnet50 / densenet121 / efficientnet_b3 descriptions render (PNGs in the build tree, light and dark).
// Blocks expand to their layers with their residual and dense connections drawn (skip edges into add / concat
// nodes), find goes through blocks and layers, the overview pans the view, the chain lays out left to right, and
// the whole diagram exports to SVG and PNG.
#include "ui/networkdiagram.h"
#include "ui/theme.h"

#include "core/registry/modelregistry.h"
#include "ui/diagramedgeitem.h"
#include "ui/diagramlayeritem.h"
#include "ui/diagramminimap.h"
#include "ui/diagramsearchbar.h"
#include "ui/diagramstyle.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QGraphicsScene>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <gtest/gtest.h>

#include <optional>

namespace convlens {
namespace {

// stem [conv1], layer1 [layer1.0 .. layer1.{n-1}], layer2 [layer2.0, layer2.1], head [fc]; CAM target layer2.1.
NetworkDescription sampleDescription(int layer1Blocks = 3)
{
    NetworkDescription d;
    d.modelId = "sample";
    d.displayName = "Sample";
    d.inputShape = {3, 224, 224};
    auto addStage = [&d](const std::string& name, const std::string& category, const std::string& color,
                         const std::vector<std::string>& blocks, const std::string& type, std::vector<int64_t> shape) {
        StageDescription stage{name, category, color, static_cast<int>(d.blocks.size()),
                               static_cast<int>(blocks.size())};
        for (const std::string& block : blocks) {
            BlockDescription b;
            b.name = block;
            b.type = type;
            b.stage = name;
            b.category = category;
            b.outputShape = shape;
            b.parameters = 1000;
            d.blocks.push_back(b);
            d.parameters += b.parameters;
        }
        d.stages.push_back(stage);
    };
    std::vector<std::string> layer1;
    for (int i = 0; i < layer1Blocks; ++i)
        layer1.push_back("layer1." + std::to_string(i));
    addStage("stem", "stem", "#6B7A8F", {"conv1"}, "Conv2d", {64, 112, 112});
    addStage("layer1", "residual", "#F28E2B", layer1, "Bottleneck", {256, 56, 56});
    addStage("layer2", "residual", "#F28E2B", {"layer2.0", "layer2.1"}, "Bottleneck", {512, 28, 28});
    addStage("head", "head", "#A0A4AA", {"fc"}, "Linear", {1000});
    d.blocks[d.indexOf("layer2.1")].isCamTarget = true;
    return d;
}

// A diagram shown at a side panel's size on the offscreen platform.
struct ShownDiagram {
    NetworkDiagram view;
    explicit ShownDiagram(const NetworkDescription& description, QSize size = {340, 720})
    {
        view.resize(size);
        view.setDescription(description);
        view.show();
        EXPECT_TRUE(QTest::qWaitForWindowExposed(&view));
    }
    // The viewport position of a block's node (scrolled into view first).
    QPoint viewportPos(const QString& block)
    {
        const QPointF scenePos = view.blockPosition(block);
        EXPECT_FALSE(scenePos.isNull()) << block.toStdString();
        view.ensureVisible(QRectF(scenePos, QSizeF(1, 1)), 10, 10);
        return view.mapFromScene(scenePos);
    }
    QMenu* openContextMenu(const QString& block)
    {
        const QPoint pos = viewportPos(block);
        QContextMenuEvent event(QContextMenuEvent::Mouse, pos, view.viewport()->mapToGlobal(pos));
        QApplication::sendEvent(view.viewport(), &event);
        return view.findChild<QMenu*>(QStringLiteral("networkDiagramMenu"));
    }
};

QString screenshotPath(const QString& name)
{
    const QString dir = QStringLiteral(CONVLENS_FIXTURE_DIR "/../diagram-screenshots");
    QDir().mkpath(dir);
    return dir + QLatin1Char('/') + name;
}

QAction* actionNamed(QMenu* menu, const char* name)
{
    return menu ? menu->findChild<QAction*>(QString::fromLatin1(name)) : nullptr;
}

TEST(NetworkDiagram, ClickingABlockSelectsIt)
{
    ShownDiagram d(sampleDescription());
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);

    for (const char* block : {"layer1.1", "conv1", "layer2.0", "fc"}) {
        QTest::mouseClick(d.view.viewport(), Qt::LeftButton, {}, d.viewportPos(QString::fromLatin1(block)));
        ASSERT_EQ(selected.count(), 1) << block;
        EXPECT_EQ(selected.takeFirst().at(0).toString().toStdString(), block);
        EXPECT_EQ(d.view.selectedBlock().toStdString(), block);
    }

    // Between two stages, beside the edge, there is no block: nothing is selected.
    const QPointF gap =
        (d.view.blockPosition(QStringLiteral("conv1")) + d.view.blockPosition(QStringLiteral("layer1.0"))) / 2;
    const QPoint beside = d.view.mapFromScene(gap + QPointF(40, 0));
    ASSERT_TRUE(d.view.viewport()->rect().contains(beside));
    QTest::mouseClick(d.view.viewport(), Qt::LeftButton, {}, beside);
    EXPECT_EQ(selected.count(), 0);
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("fc"));
}

TEST(NetworkDiagram, ContextMenuRequestsTheCamTarget)
{
    ShownDiagram d(sampleDescription());
    EXPECT_EQ(d.view.camTarget(), QStringLiteral("layer2.1"));  // from the description
    QSignalSpy cam(&d.view, &NetworkDiagram::camTargetRequested);
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);

    QMenu* menu = d.openContextMenu(QStringLiteral("layer1.2"));
    ASSERT_NE(menu, nullptr);
    QAction* useAsTarget = actionNamed(menu, "useAsCamTarget");
    ASSERT_NE(useAsTarget, nullptr);
    EXPECT_TRUE(useAsTarget->text().contains(QStringLiteral("layer1.2")));
    useAsTarget->trigger();
    ASSERT_EQ(cam.count(), 1);
    EXPECT_EQ(cam.takeFirst().at(0).toString(), QStringLiteral("layer1.2"));
    EXPECT_EQ(d.view.camTarget(), QStringLiteral("layer1.2"));
    menu->close();
    QApplication::processEvents();

    // "Show feature maps" selects the block.
    menu = d.openContextMenu(QStringLiteral("conv1"));
    QAction* maps = actionNamed(menu, "showFeatureMaps");
    ASSERT_NE(maps, nullptr);
    maps->trigger();
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(selected.takeFirst().at(0).toString(), QStringLiteral("conv1"));
    EXPECT_EQ(cam.count(), 0);
    menu->close();

    d.view.setCamTarget(QStringLiteral("layer2"));  // a stage name means its last block
    EXPECT_EQ(d.view.camTarget(), QStringLiteral("layer2.1"));
    d.view.setCamTarget(QStringLiteral("nonexistent"));
    EXPECT_TRUE(d.view.camTarget().isEmpty());
}

TEST(NetworkDiagram, StagesCollapseAndExpand)
{
    ShownDiagram d(sampleDescription());
    const QPointF fcExpanded = d.view.blockPosition(QStringLiteral("fc"));
    const QPointF firstExpanded = d.view.blockPosition(QStringLiteral("layer1.0"));
    const QPointF lastExpanded = d.view.blockPosition(QStringLiteral("layer1.2"));
    EXPECT_LT(firstExpanded.y(), lastExpanded.y());  // top to bottom in forward order
    EXPECT_LT(lastExpanded.y(), fcExpanded.y());

    d.view.setStageCollapsed(QStringLiteral("layer1"), true);
    EXPECT_TRUE(d.view.isStageCollapsed(QStringLiteral("layer1")));
    for (const char* block : {"layer1.0", "layer1.1", "layer1.2"})
        EXPECT_FALSE(d.view.isBlockVisible(QString::fromLatin1(block))) << block;
    for (const char* block : {"conv1", "layer2.0", "layer2.1", "fc"})
        EXPECT_TRUE(d.view.isBlockVisible(QString::fromLatin1(block))) << block;
    // The blocks of a collapsed stage share its node; the stages after it move up.
    EXPECT_EQ(d.view.blockPosition(QStringLiteral("layer1.0")), d.view.blockPosition(QStringLiteral("layer1.2")));
    EXPECT_LT(d.view.blockPosition(QStringLiteral("fc")).y(), fcExpanded.y() - 50);

    // Clicking the collapsed stage selects its last block.
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);
    QTest::mouseClick(d.view.viewport(), Qt::LeftButton, {}, d.viewportPos(QStringLiteral("layer1.1")));
    ASSERT_EQ(selected.count(), 1);
    EXPECT_EQ(selected.takeFirst().at(0).toString(), QStringLiteral("layer1.2"));

    // Its context menu expands it again.
    QMenu* menu = d.openContextMenu(QStringLiteral("layer1.0"));
    QAction* toggle = actionNamed(menu, "toggleStage");
    ASSERT_NE(toggle, nullptr);
    toggle->trigger();
    menu->close();
    EXPECT_FALSE(d.view.isStageCollapsed(QStringLiteral("layer1")));
    EXPECT_TRUE(d.view.isBlockVisible(QStringLiteral("layer1.1")));
    EXPECT_EQ(d.view.blockPosition(QStringLiteral("fc")), fcExpanded);
    EXPECT_EQ(d.view.blockPosition(QStringLiteral("layer1.0")), firstExpanded);

    // Double-clicking the stage header collapses the stage, and again expands it.
    const QPointF header = d.view.blockPosition(QStringLiteral("layer1.0")) -
                           QPointF(0, diagram::kNodeHeight / 2 + 8 + diagram::kHeaderHeight / 2);
    d.view.ensureVisible(QRectF(header, QSizeF(1, 1)));
    QTest::mouseDClick(d.view.viewport(), Qt::LeftButton, {}, d.view.mapFromScene(header));
    EXPECT_TRUE(d.view.isStageCollapsed(QStringLiteral("layer1")));
    QTest::mouseDClick(d.view.viewport(), Qt::LeftButton, {}, d.view.mapFromScene(header));
    EXPECT_FALSE(d.view.isStageCollapsed(QStringLiteral("layer1")));
    EXPECT_EQ(selected.count(), 0);

    d.view.collapseAll();
    for (const char* stage : {"stem", "layer1", "layer2", "head"})
        EXPECT_TRUE(d.view.isStageCollapsed(QString::fromLatin1(stage))) << stage;
    EXPECT_FALSE(d.view.isBlockVisible(QStringLiteral("layer2.0")));
    EXPECT_TRUE(d.view.isBlockVisible(QStringLiteral("fc")));  // a one-block stage is its block's node
    d.view.expandAll();
    for (const char* stage : {"stem", "layer1", "layer2", "head"})
        EXPECT_FALSE(d.view.isStageCollapsed(QString::fromLatin1(stage))) << stage;
    EXPECT_EQ(d.view.blockPosition(QStringLiteral("fc")), fcExpanded);
}

TEST(NetworkDiagram, SelectBlockExpandsItsStageWithoutEmitting)
{
    ShownDiagram d(sampleDescription());
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);
    d.view.collapseAll();

    EXPECT_TRUE(d.view.selectBlock(QStringLiteral("layer1.1")));
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("layer1.1"));
    EXPECT_FALSE(d.view.isStageCollapsed(QStringLiteral("layer1")));
    EXPECT_TRUE(d.view.isBlockVisible(QStringLiteral("layer1.1")));
    EXPECT_TRUE(d.view.isStageCollapsed(QStringLiteral("layer2")));  // the others stay collapsed

    EXPECT_TRUE(d.view.selectBlock(QStringLiteral("layer2")));  // a stage name: its last block
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("layer2.1"));
    EXPECT_TRUE(d.view.isBlockVisible(QStringLiteral("layer2.1")));

    EXPECT_FALSE(d.view.selectBlock(QStringLiteral("layer9.9")));
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("layer2.1"));
    EXPECT_TRUE(d.view.blockPosition(QStringLiteral("layer9.9")).isNull());
    EXPECT_FALSE(d.view.isBlockVisible(QStringLiteral("layer9.9")));
    EXPECT_EQ(selected.count(), 0);

    // The selected block is centred: it lies inside the viewport.
    const QPoint pos = d.view.mapFromScene(d.view.blockPosition(QStringLiteral("layer2.1")));
    EXPECT_TRUE(d.view.viewport()->rect().contains(pos));

    // A new description keeps a selection it also has, and shows it.
    NetworkDescription other = sampleDescription(40);
    d.view.setDescription(other);
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("layer2.1"));
    EXPECT_TRUE(
        d.view.viewport()->rect().contains(d.view.mapFromScene(d.view.blockPosition(QStringLiteral("layer2.1")))));
    other.blocks.pop_back();
    other.blocks.pop_back();
    other.blocks.pop_back();
    other.stages.pop_back();
    other.stages.pop_back();
    d.view.setDescription(other);  // without layer2: no selection, back at the top
    EXPECT_TRUE(d.view.selectedBlock().isEmpty());
    EXPECT_EQ(d.view.verticalScrollBar()->value(), d.view.verticalScrollBar()->minimum());

    d.view.clear();
    EXPECT_TRUE(d.view.selectedBlock().isEmpty());
    EXPECT_FALSE(d.view.selectBlock(QStringLiteral("layer1.1")));
}

TEST(NetworkDiagram, ArrowKeysMoveTheSelectionAlongTheDrawnNodes)
{
    ShownDiagram d(sampleDescription());
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);
    d.view.setFocus();
    auto press = [&](Qt::Key key) {
        QTest::keyClick(&d.view, key);
        return selected.isEmpty() ? QString() : selected.takeFirst().at(0).toString();
    };
    EXPECT_EQ(press(Qt::Key_Down), QStringLiteral("conv1"));  // nothing selected: the first block
    EXPECT_EQ(press(Qt::Key_Down), QStringLiteral("layer1.0"));
    EXPECT_EQ(press(Qt::Key_Down), QStringLiteral("layer1.1"));
    EXPECT_EQ(press(Qt::Key_Up), QStringLiteral("layer1.0"));
    d.view.setStageCollapsed(QStringLiteral("layer2"), true);
    d.view.selectBlock(QStringLiteral("layer1.2"));
    EXPECT_EQ(press(Qt::Key_Down), QStringLiteral("layer2.1"));  // the collapsed stage's node: its last block
    EXPECT_EQ(press(Qt::Key_Down), QStringLiteral("fc"));
    EXPECT_EQ(press(Qt::Key_Down), QString());  // the end: no signal
    EXPECT_EQ(press(Qt::Key_Up), QStringLiteral("layer2.1"));
    EXPECT_EQ(press(Qt::Key_Up), QStringLiteral("layer1.2"));
}

TEST(NetworkDiagram, EmptyShowsAPlaceholder)
{
    NetworkDiagram view;
    view.resize(340, 400);
    const QImage empty = view.grab().toImage();
    empty.save(screenshotPath(QStringLiteral("empty.png")));
    const QColor background = empty.pixelColor(2, 2);
    int inked = 0;
    for (int y = 0; y < empty.height(); ++y)
        for (int x = 0; x < empty.width(); ++x)
            inked += empty.pixelColor(x, y) != background;
    EXPECT_GT(inked, 100);  // the placeholder's text
    EXPECT_TRUE(view.scene()->items().isEmpty());
}

TEST(NetworkDiagram, ALargeNetworkStaysFast)
{
    const NetworkDescription large = sampleDescription(400);
    NetworkDiagram view;
    view.resize(340, 720);
    view.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&view));
    QElapsedTimer timer;
    timer.start();
    view.setDescription(large);
    view.collapseAll();
    view.expandAll();
    view.selectBlock(QStringLiteral("layer1.399"));
    view.zoomToFit();
    view.grab();
    // Layout and one full paint of ~400 nodes take a few tens of milliseconds; a second means something is
    // quadratic or repainting far too much.
    EXPECT_LT(timer.elapsed(), 1000);
    EXPECT_TRUE(view.isBlockVisible(QStringLiteral("layer1.399")));
}

// Real models from the registry, rendered for a person to look at (build tree: diagram-screenshots/).
class NetworkDiagramRealModels : public ::testing::Test {
protected:
    static const ModelRegistry* registry()
    {
        static const std::optional<ModelRegistry> loaded = [] {
            auto result = ModelRegistry::loadFile(CONVLENS_SOURCE_DIR "/model_registry.yaml");
            EXPECT_TRUE(result.ok()) << result.message();
            return result ? std::optional<ModelRegistry>(*result) : std::nullopt;
        }();
        return loaded ? &*loaded : nullptr;
    }
    static NetworkDescription describe(const std::string& id)
    {
        const ModelSpec* spec = registry() ? registry()->find(id) : nullptr;
        EXPECT_NE(spec, nullptr) << id;
        if (!spec)
            return {};
        auto d = describeNetwork(*spec, registry()->categories());
        EXPECT_TRUE(d.ok()) << d.message();
        return d ? *d : NetworkDescription{};
    }
};

// How many pixels of `image` are within a small distance of `color`.
int pixelsNear(const QImage& image, const QColor& color)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    int count = 0;
    for (int y = 0; y < rgb.height(); ++y)
        for (int x = 0; x < rgb.width(); ++x) {
            const QColor c = QColor::fromRgb(rgb.pixel(x, y));
            if (std::abs(c.red() - color.red()) + std::abs(c.green() - color.green()) +
                    std::abs(c.blue() - color.blue()) <
                12)
                ++count;
        }
    return count;
}

TEST_F(NetworkDiagramRealModels, RenderInTheCategoryColours)
{
    for (const std::string id : {"resnet50", "densenet121", "efficientnet_b3"}) {
        const NetworkDescription description = describe(id);
        ASSERT_FALSE(description.blocks.empty()) << id;
        ShownDiagram d(description, {340, 900});
        // A block late in the network, near the CAM target: the view centres on it.
        d.view.selectBlock(QString::fromStdString(description.blocks[description.blocks.size() * 3 / 4].name));
        d.view.grab().save(screenshotPath(QString::fromStdString(id) + QStringLiteral("-selected.png")));
        d.view.verticalScrollBar()->setValue(0);
        const QImage light = d.view.grab().toImage();
        ASSERT_TRUE(light.save(screenshotPath(QString::fromStdString(id) + QStringLiteral(".png"))));
        // Every stage header is drawn in its category's colour.
        for (const StageDescription& stage : description.stages) {
            if (d.view.mapFromScene(d.view.blockPosition(QString::fromStdString(stage.name))).y() > 880)
                continue;  // below the visible part
            EXPECT_GT(pixelsNear(light, QColor(QString::fromStdString(stage.color))), 200) << id << " " << stage.name;
        }

        d.view.collapseAll();
        d.view.grab().save(screenshotPath(QString::fromStdString(id) + QStringLiteral("-collapsed.png")));

        d.view.expandAll();
        d.view.setPalette(darkPalette());
        d.view.verticalScrollBar()->setValue(0);
        const QImage darkImage = d.view.grab().toImage();
        darkImage.save(screenshotPath(QString::fromStdString(id) + QStringLiteral("-dark.png")));
        // The background follows the palette.
        EXPECT_EQ(darkImage.pixelColor(2, darkImage.height() / 2), darkPalette().color(QPalette::Base)) << id;
    }
}

// The scene item of `kind` (layer or merge node) named `name`, or null.
diagram::DiagramLayerItem* nodeNamed(const NetworkDiagram& view, diagram::ItemKind kind, const QString& name)
{
    for (QGraphicsItem* item : view.scene()->items())
        if (item->data(diagram::kKindRole).toInt() == static_cast<int>(kind) &&
            item->data(diagram::kNameRole).toString() == name)
            return static_cast<diagram::DiagramLayerItem*>(item);
    return nullptr;
}

// The drawn node (layer, merge or block) an edge's end or start touches: the item under a point 3 units inside it.
QString nodeAt(const NetworkDiagram& view, const QPolygonF& path, bool atEnd)
{
    const QPointF tip = atEnd ? path.back() : path.front();
    const QPointF prev = atEnd ? path[path.size() - 2] : path[1];
    QPointF direction = tip - prev;
    direction /= std::max<qreal>(1e-6, std::hypot(direction.x(), direction.y()));
    const QPointF probe = tip + direction * 3;  // beyond the end, or before the start: inside the node
    for (QGraphicsItem* item : view.scene()->items(probe)) {
        const int kind = item->data(diagram::kKindRole).toInt();
        if (kind == static_cast<int>(diagram::ItemKind::Layer) || kind == static_cast<int>(diagram::ItemKind::Merge) ||
            kind == static_cast<int>(diagram::ItemKind::Block))
            return item->data(diagram::kNameRole).toString();
    }
    return {};
}

// The skip edges drawn, each as "from → to" (node names; "" where an edge starts on the chain itself).
std::vector<std::pair<QString, QString>> skipEdges(const NetworkDiagram& view)
{
    std::vector<std::pair<QString, QString>> edges;
    for (QGraphicsItem* item : view.scene()->items())
        if (item->data(diagram::kKindRole).toInt() == static_cast<int>(diagram::ItemKind::Edge)) {
            auto* edge = static_cast<diagram::DiagramEdgeItem*>(item);
            if (edge->isSkip())
                edges.emplace_back(nodeAt(view, edge->path(), false), nodeAt(view, edge->path(), true));
        }
    return edges;
}

TEST_F(NetworkDiagramRealModels, ABottleneckWithDownsampleShowsItsLayersAndItsShortcut)
{
    const NetworkDescription description = describe("resnet50");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description);
    const QPointF fcBefore = d.view.blockPosition(QStringLiteral("fc"));
    EXPECT_TRUE(skipEdges(d.view).empty());  // nothing expanded: no skip edges

    // Double-clicking the block shows its layers.
    QTest::mouseDClick(d.view.viewport(), Qt::LeftButton, {}, d.viewportPos(QStringLiteral("layer1.0")));
    ASSERT_TRUE(d.view.isBlockExpanded(QStringLiteral("layer1.0")));
    const int index = description.indexOf("layer1.0");
    for (const LayerDescription& layer : description.blocks[index].layers)
        EXPECT_FALSE(d.view.layerPosition(QString::fromStdString(layer.name)).isNull()) << layer.name;
    // The main path runs down the chain: conv1 above conv2 above conv3, the add node below them all.
    const QPointF conv1 = d.view.layerPosition(QStringLiteral("layer1.0.conv1"));
    const QPointF conv3 = d.view.layerPosition(QStringLiteral("layer1.0.conv3"));
    EXPECT_LT(d.view.blockPosition(QStringLiteral("layer1.0")).y(), conv1.y());
    EXPECT_LT(conv1.y(), conv3.y());
    EXPECT_DOUBLE_EQ(conv1.x(), conv3.x());
    diagram::DiagramLayerItem* add = nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("layer1.0"));
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->text(), QStringLiteral("add"));
    EXPECT_GT(add->sceneBoundingRect().top(), conv3.y());
    // The downsample layers run beside the main path.
    const QPointF down0 = d.view.layerPosition(QStringLiteral("layer1.0.downsample.0"));
    const QPointF down1 = d.view.layerPosition(QStringLiteral("layer1.0.downsample.1"));
    EXPECT_GT(down0.x(), conv1.x() + diagram::kLayerWidth / 2);
    EXPECT_LT(down0.y(), down1.y());

    // The skip: from the block's input into downsample.0, on to downsample.1, and into the add node.
    const auto skips = skipEdges(d.view);
    const std::vector<std::pair<QString, QString>> expected = {
        {QString(), QStringLiteral("layer1.0.downsample.0")},
        {QStringLiteral("layer1.0.downsample.0"), QStringLiteral("layer1.0.downsample.1")},
        {QStringLiteral("layer1.0.downsample.1"), QStringLiteral("layer1.0")}};
    EXPECT_EQ(skips.size(), expected.size());
    for (const auto& edge : expected)
        EXPECT_NE(std::find(skips.begin(), skips.end(), edge), skips.end())
            << edge.first.toStdString() << " -> " << edge.second.toStdString();
    // Everything after the block moves down to make room.
    EXPECT_GT(d.view.blockPosition(QStringLiteral("fc")).y(), fcBefore.y() + 200);

    // A block without downsample: an identity skip straight into its add node.
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("layer1.1"), true));
    int identity = 0;
    for (const auto& [from, to] : skipEdges(d.view))
        identity += to == QStringLiteral("layer1.1");
    EXPECT_EQ(identity, 1);

    // Its context menu hides the layers again.
    QMenu* menu = d.openContextMenu(QStringLiteral("layer1.0"));
    QAction* toggle = actionNamed(menu, "toggleLayers");
    ASSERT_NE(toggle, nullptr);
    EXPECT_EQ(toggle->text(), QStringLiteral("Hide Layers"));
    toggle->trigger();
    menu->close();
    EXPECT_FALSE(d.view.isBlockExpanded(QStringLiteral("layer1.0")));
    EXPECT_TRUE(d.view.layerPosition(QStringLiteral("layer1.0.conv1")).isNull());
    EXPECT_EQ(nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("layer1.0")), nullptr);

    // Clicking a layer selects it and its block.
    QSignalSpy layers(&d.view, &NetworkDiagram::layerSelected);
    QSignalSpy blocks(&d.view, &NetworkDiagram::blockSelected);
    const QPointF conv2 = d.view.layerPosition(QStringLiteral("layer1.1.conv2"));
    d.view.centerOn(conv2);
    QTest::mouseClick(d.view.viewport(), Qt::LeftButton, {}, d.view.mapFromScene(conv2));
    ASSERT_EQ(layers.count(), 1);
    EXPECT_EQ(layers.takeFirst().at(0).toString(), QStringLiteral("layer1.1.conv2"));
    ASSERT_EQ(blocks.count(), 1);
    EXPECT_EQ(blocks.takeFirst().at(0).toString(), QStringLiteral("layer1.1"));
    EXPECT_EQ(d.view.selectedLayer(), QStringLiteral("layer1.1.conv2"));
    d.view.grab().save(screenshotPath(QStringLiteral("resnet50-expanded.png")));
}

TEST_F(NetworkDiagramRealModels, AMobileNetBlockWithoutResidualHasNoSkip)
{
    const NetworkDescription description = describe("mobilenet_v2");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description);
    // features.2 changes the stride (no residual), features.3 keeps the shape (use_res_connect).
    ASSERT_EQ(description.blocks[description.indexOf("features.2")].merge, MergeKind::None);
    ASSERT_EQ(description.blocks[description.indexOf("features.3")].merge, MergeKind::Add);
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("features.2"), true));
    EXPECT_FALSE(d.view.layerPosition(QStringLiteral("features.2.conv.0.0")).isNull());
    EXPECT_TRUE(skipEdges(d.view).empty());
    EXPECT_EQ(nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("features.2")), nullptr);

    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("features.3"), true));
    const auto skips = skipEdges(d.view);
    ASSERT_EQ(skips.size(), 1u);
    EXPECT_EQ(skips.front().second, QStringLiteral("features.3"));
    diagram::DiagramLayerItem* add = nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("features.3"));
    ASSERT_NE(add, nullptr);
    EXPECT_EQ(add->text(), QStringLiteral("add"));
    // A functional step has no layers to show.
    EXPECT_FALSE(d.view.setBlockExpanded(QStringLiteral("pool"), true));
}

TEST_F(NetworkDiagramRealModels, ADenseBlockConcatenatesEveryLayer)
{
    const NetworkDescription description = describe("densenet121");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description);
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("features.denseblock1"), true));
    const BlockDescription& block = description.blocks[description.indexOf("features.denseblock1")];
    ASSERT_EQ(block.mergeUnits.size(), 6u);
    for (const std::string& unit : block.mergeUnits) {
        diagram::DiagramLayerItem* concat = nodeNamed(d.view, diagram::ItemKind::Merge, QString::fromStdString(unit));
        ASSERT_NE(concat, nullptr) << unit;
        EXPECT_EQ(concat->text(), QStringLiteral("concat"));
    }
    // Each dense layer: its input skips around its six layers into its concat node.
    const auto skips = skipEdges(d.view);
    EXPECT_EQ(skips.size(), 6u);
    for (const std::string& unit : block.mergeUnits)
        EXPECT_NE(std::find_if(skips.begin(), skips.end(),
                               [&unit](const auto& edge) { return edge.second == QString::fromStdString(unit); }),
                  skips.end())
            << unit;
    // The second dense layer comes after the first one's concat.
    const QRectF firstConcat =
        nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("features.denseblock1.denselayer1"))
            ->sceneBoundingRect();
    EXPECT_GT(d.view.layerPosition(QStringLiteral("features.denseblock1.denselayer2.norm1")).y(), firstConcat.bottom());
    d.view.centerOn(firstConcat.center());
    d.view.grab().save(screenshotPath(QStringLiteral("densenet121-denseblock1.png")));

    // ShuffleNet: a stride-2 block concatenates branch1 (its shortcut) and branch2, then shuffles.
    const NetworkDescription shuffle = describe("shufflenet_v2_x1_0");
    d.view.setDescription(shuffle);
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("stage2.0"), true));
    diagram::DiagramLayerItem* concat = nodeNamed(d.view, diagram::ItemKind::Merge, QStringLiteral("stage2.0"));
    ASSERT_NE(concat, nullptr);
    EXPECT_EQ(concat->text(), QStringLiteral("concat, shuffle"));
    bool throughBranch1 = false;
    for (const auto& [from, to] : skipEdges(d.view))
        throughBranch1 |= from == QStringLiteral("stage2.0.branch1.4") && to == QStringLiteral("stage2.0");
    EXPECT_TRUE(throughBranch1);
}

TEST_F(NetworkDiagramRealModels, FindGoesThroughBlocksAndLayers)
{
    const NetworkDescription description = describe("resnet50");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description);
    d.view.collapseAll();
    d.view.activateWindow();
    ASSERT_TRUE(QTest::qWaitForWindowActive(&d.view));
    d.view.setFocus();
    QSignalSpy selected(&d.view, &NetworkDiagram::blockSelected);

    // Ctrl+F opens the field.
    QTest::keyClick(&d.view, Qt::Key_F, Qt::ControlModifier);
    diagram::DiagramSearchBar* bar = d.view.searchBar();
    ASSERT_TRUE(bar->isVisible());
    QTest::keyClicks(bar->field(), QStringLiteral("layer3.1.conv2"));
    EXPECT_EQ(d.view.searchMatchCount(), 1);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("1 match"));
    QTest::keyClick(bar->field(), Qt::Key_Return);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("1 of 1"));
    EXPECT_EQ(bar->status(), QStringLiteral("1 of 1"));
    // The stage and the block opened, the layer selected and centred.
    EXPECT_FALSE(d.view.isStageCollapsed(QStringLiteral("layer3")));
    EXPECT_TRUE(d.view.isBlockExpanded(QStringLiteral("layer3.1")));
    EXPECT_EQ(d.view.selectedLayer(), QStringLiteral("layer3.1.conv2"));
    EXPECT_TRUE(d.view.viewport()->rect().contains(
        d.view.mapFromScene(d.view.layerPosition(QStringLiteral("layer3.1.conv2")))));
    EXPECT_EQ(selected.count(), 0);  // find moves the view; it does not change the analysed layer

    // Every Conv2d: 53 in ResNet-50 (conv1, 3 per bottleneck × 16, 4 downsamples).
    bar->field()->selectAll();
    QTest::keyClicks(bar->field(), QStringLiteral("conv2d"));
    EXPECT_EQ(d.view.searchMatchCount(), 53);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("53 matches"));
    QTest::keyClick(bar->field(), Qt::Key_F3);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("1 of 53"));
    EXPECT_EQ(d.view.selectedBlock(), QStringLiteral("conv1"));  // a one-layer block: the block itself
    QTest::keyClick(bar->field(), Qt::Key_Return);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("2 of 53"));
    EXPECT_EQ(d.view.selectedLayer(), QStringLiteral("layer1.0.conv1"));
    QTest::keyClick(bar->field(), Qt::Key_Return, Qt::ShiftModifier);
    EXPECT_EQ(d.view.searchStatus(), QStringLiteral("1 of 53"));

    // Block names and types match too; nothing matching is said plainly.
    bar->field()->selectAll();
    QTest::keyClicks(bar->field(), QStringLiteral("Bottleneck"));
    EXPECT_EQ(d.view.searchMatchCount(), 16);
    bar->field()->selectAll();
    QTest::keyClicks(bar->field(), QStringLiteral("transformer"));
    EXPECT_EQ(d.view.searchMatchCount(), 0);
    EXPECT_EQ(bar->status(), QStringLiteral("No match"));
    EXPECT_FALSE(d.view.findNext());

    // Esc closes the field.
    QTest::keyClick(bar->field(), Qt::Key_Escape);
    EXPECT_FALSE(bar->isVisible());

    // The squeeze-excitation of an EfficientNet block is found by its module type.
    d.view.setDescription(describe("efficientnet_b0"));
    d.view.openSearch(QStringLiteral("SqueezeExcitation"));
    EXPECT_GT(d.view.searchMatchCount(), 16 * 3);  // avgpool, fc1, fc2 (+ activations) in each of 16 MBConvs
    EXPECT_TRUE(d.view.findNext());
    EXPECT_TRUE(d.view.selectedLayer().contains(QStringLiteral(".block.")));
}

TEST_F(NetworkDiagramRealModels, LeftToRightPutsTheBlocksInARow)
{
    const NetworkDescription description = describe("resnet50");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description, {900, 400});
    QSignalSpy changed(&d.view, &NetworkDiagram::orientationChanged);
    d.view.setOrientation(Qt::Horizontal);
    ASSERT_EQ(changed.count(), 1);
    EXPECT_EQ(d.view.orientation(), Qt::Horizontal);
    qreal previousX = -1;
    const qreal y = d.view.blockPosition(QStringLiteral("conv1")).y();
    for (const BlockDescription& block : description.blocks) {
        const QPointF p = d.view.blockPosition(QString::fromStdString(block.name));
        EXPECT_GT(p.x(), previousX) << block.name;
        EXPECT_DOUBLE_EQ(p.y(), y) << block.name;
        previousX = p.x();
    }
    // The scene is wide, not tall.
    EXPECT_GT(d.view.scene()->sceneRect().width(), 8 * d.view.scene()->sceneRect().height());
    // An expanded block lays its layers out along the row too, its shortcut beside (below) them.
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("layer2.0"), true));
    const QPointF conv1 = d.view.layerPosition(QStringLiteral("layer2.0.conv1"));
    const QPointF conv2 = d.view.layerPosition(QStringLiteral("layer2.0.conv2"));
    EXPECT_LT(conv1.x(), conv2.x());
    EXPECT_DOUBLE_EQ(conv1.y(), conv2.y());
    EXPECT_GT(d.view.layerPosition(QStringLiteral("layer2.0.downsample.0")).y(), conv1.y());
    EXPECT_DOUBLE_EQ(d.view.blockPosition(QStringLiteral("layer3.0")).y(), y);
    d.view.selectBlock(QStringLiteral("layer2.0"));
    d.view.grab().save(screenshotPath(QStringLiteral("resnet50-horizontal.png")));

    d.view.setOrientation(Qt::Vertical);
    EXPECT_DOUBLE_EQ(d.view.blockPosition(QStringLiteral("conv1")).x(), d.view.blockPosition(QStringLiteral("fc")).x());
    EXPECT_LT(d.view.blockPosition(QStringLiteral("conv1")).y(), d.view.blockPosition(QStringLiteral("fc")).y());
}

TEST_F(NetworkDiagramRealModels, TheOverviewShowsAndMovesTheVisiblePart)
{
    const NetworkDescription description = describe("resnet50");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description, {340, 600});
    diagram::DiagramMinimap* minimap = d.view.minimap();
    ASSERT_TRUE(minimap->isVisible());  // ResNet-50 is far taller than the view
    EXPECT_LT(minimap->visibleRect().height(), minimap->height() / 2.0);
    d.view.verticalScrollBar()->setValue(0);
    const int before = d.view.verticalScrollBar()->value();
    // A click near the overview's bottom brings the end of the network into view.
    const QPoint bottom(minimap->width() / 2, minimap->height() - 6);
    QTest::mouseClick(minimap, Qt::LeftButton, {}, bottom);
    EXPECT_GT(d.view.verticalScrollBar()->value(), before + 500);
    EXPECT_TRUE(d.view.viewport()->rect().contains(d.view.mapFromScene(d.view.blockPosition(QStringLiteral("fc")))));
    // The outline follows: it is now in the overview's lower half.
    EXPECT_GT(minimap->visibleRect().center().y(), minimap->height() / 2.0);
    // Dragging moves the view along.
    QTest::mousePress(minimap, Qt::LeftButton, {}, bottom);
    QMouseEvent move(QEvent::MouseMove, QPointF(minimap->width() / 2, 8),
                     minimap->mapToGlobal(QPointF(minimap->width() / 2, 8)), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QApplication::sendEvent(minimap, &move);
    QTest::mouseRelease(minimap, Qt::LeftButton, {}, QPoint(minimap->width() / 2, 8));
    EXPECT_LT(d.view.verticalScrollBar()->value(), 200);
    d.view.grab().save(screenshotPath(QStringLiteral("resnet50-overview.png")));

    // When everything fits, there is no overview.
    d.view.collapseAll();
    d.view.zoomToFit();
    EXPECT_FALSE(minimap->isVisible());
}

TEST_F(NetworkDiagramRealModels, ExportsTheWholeDiagramAsSvgAndPng)
{
    const NetworkDescription description = describe("resnet18");
    ASSERT_FALSE(description.blocks.empty());
    ShownDiagram d(description, {340, 400});
    ASSERT_TRUE(d.view.setBlockExpanded(QStringLiteral("layer2.0"), true));
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());

    const QString svgPath = dir.filePath(QStringLiteral("resnet18.svg"));
    const auto svg = d.view.exportImage(svgPath);
    ASSERT_TRUE(svg.ok()) << svg.message();
    QFile file(svgPath);
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    // Well-formed XML with an <svg> root; the text of its <text> elements.
    QXmlStreamReader xml(&file);
    QStringList texts;
    QString root;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (root.isEmpty())
            root = xml.name().toString();
        if (xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    ASSERT_FALSE(xml.hasError()) << xml.errorString().toStdString();
    EXPECT_EQ(root, QStringLiteral("svg"));
    // The whole scene, not only the part in view: the first and last blocks, and the expanded block's add node.
    for (const char* name : {"conv1", "layer1.0", "layer4.1", "fc", "add", "Input image", "Class scores"})
        EXPECT_TRUE(texts.contains(QString::fromLatin1(name))) << name;

    const QString pngPath = dir.filePath(QStringLiteral("resnet18.png"));
    const auto png = d.view.exportImage(pngPath);
    ASSERT_TRUE(png.ok()) << png.message();
    const QImage image(pngPath);
    ASSERT_FALSE(image.isNull());
    const QRectF scene = d.view.scene()->sceneRect();
    EXPECT_NEAR(image.width(), 2 * scene.width(), 1);  // two pixels per scene unit
    EXPECT_NEAR(static_cast<double>(image.width()) / image.height(), scene.width() / scene.height(), 0.01);
    EXPECT_GT(image.height(), 2 * d.view.viewport()->height());  // more than the visible part

    const auto wrong = d.view.exportImage(dir.filePath(QStringLiteral("diagram.txt")));
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.message().find(".svg or .png"), std::string::npos) << wrong.message();
    const auto missing = d.view.exportImage(dir.filePath(QStringLiteral("no/such/folder/diagram.png")));
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.message().find("no/such/folder"), std::string::npos) << missing.message();
}

}  // namespace
}  // namespace convlens
