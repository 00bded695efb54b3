// NetworkDiagram: clicking a block selects it, its context menu requests the CAM target, stages collapse and
// expand (and selecting a block inside a collapsed stage expands it), a large network lays out quickly, and the
// real resnet50 / densenet121 / efficientnet_b3 descriptions render (PNGs in the build tree, light and dark).
#include "ui/networkdiagram.h"
#include "ui/theme.h"

#include "core/registry/modelregistry.h"
#include "ui/diagramstyle.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QMenu>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>

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

}  // namespace
}  // namespace convlens
