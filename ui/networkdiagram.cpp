#include "ui/networkdiagram.h"

#include "ui/diagramblockitem.h"
#include "ui/diagramedgeitem.h"
#include "ui/diagramlayeritem.h"
#include "ui/diagramminimap.h"
#include "ui/diagramsearchbar.h"
#include "ui/diagramstageitem.h"
#include "ui/diagramstyle.h"
#include "ui/diagramterminalitem.h"

#include <QAction>
#include <QContextMenuEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QStyle>
#include <QSvgGenerator>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace convlens {

using namespace diagram;

namespace {

constexpr qreal kMinZoom = 0.15;
constexpr qreal kMaxZoom = 3.0;
constexpr qreal kMaxFitZoom = 1.3;  // fitting never magnifies beyond this
constexpr qreal kMargin = 14;
constexpr qreal kCentreX = kFrameWidth / 2;
// Left to right: the chain runs under the stage headers.
constexpr qreal kChainY = kHeaderHeight + 8 + kNodeHeight / 2;
constexpr qreal kFrameHeight = kChainY + kNodeHeight / 2 + kFramePadding;
constexpr qreal kIdentityLane = 16;  // an identity skip's distance beside the layers

bool startsWith(const std::string& text, const std::string& prefix)
{
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

template <typename Item>
Item* itemOfKind(QGraphicsItem* item, ItemKind kind)
{
    for (; item; item = item->parentItem())
        if (item->data(kKindRole).toInt() == static_cast<int>(kind))
            return static_cast<Item*>(item);
    return nullptr;
}

}  // namespace

NetworkDiagram::NetworkDiagram(QWidget* parent)
    : QGraphicsView(parent),
      mScene(new QGraphicsScene(this)),
      mSearch(new DiagramSearchBar(this)),
      mMinimap(new DiagramMinimap(this))
{
    setScene(mScene);
    mScene->setPalette(palette());
    mScene->setFont(font());
    // Few items, all redrawn on selection: an index only costs time on every layout.
    mScene->setItemIndexMethod(QGraphicsScene::NoIndex);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setAlignment(Qt::AlignLeft | Qt::AlignTop);  // the overview takes the bottom-right corner
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setBackgroundRole(QPalette::Base);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(160, 160);

    connect(mScene, &QGraphicsScene::changed, mMinimap, &DiagramMinimap::sceneChanged);
    connect(mSearch, &DiagramSearchBar::textChanged, this, &NetworkDiagram::updateSearch);
    connect(mSearch, &DiagramSearchBar::nextRequested, this, [this] { findNext(false); });
    connect(mSearch, &DiagramSearchBar::previousRequested, this, [this] { findNext(true); });
    connect(mSearch, &DiagramSearchBar::closed, this, [this] { setFocus(Qt::OtherFocusReason); });
    // Ctrl+F, F3 and Shift+F3 work while the diagram or its find field has the focus.
    auto* find = new QAction(tr("Find in Diagram"), this);
    find->setShortcut(QKeySequence::Find);
    find->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QAction::triggered, this, [this] { openSearch(); });
    addAction(find);
    auto* next = new QAction(this);
    next->setShortcuts({QKeySequence(Qt::Key_F3)});
    next->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(next, &QAction::triggered, this, [this] { mSearch->isVisible() ? void(findNext(false)) : openSearch(); });
    addAction(next);
    auto* previous = new QAction(this);
    previous->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F3));
    previous->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(previous, &QAction::triggered, this, [this] { findNext(true); });
    addAction(previous);
}

void NetworkDiagram::setDescription(const NetworkDescription& description)
{
    mDescription = description;
    mCollapsed.clear();
    if (!mSelected.isEmpty() && mDescription.indexOf(mSelected.toStdString()) < 0)
        mSelected.clear();
    mCamTarget.clear();
    mExpandedBlocks.clear();
    mSelectedLayer.clear();
    for (const BlockDescription& block : mDescription.blocks)
        if (block.isCamTarget)
            mCamTarget = QString::fromStdString(block.name);
    mAutoFit = true;
    rebuild();
    // A new network starts at its input, or at the block kept selected from the previous one.
    if (!mSelected.isEmpty()) {
        centerOn(blockPosition(mSelected));
    } else {
        verticalScrollBar()->setValue(verticalScrollBar()->minimum());
        horizontalScrollBar()->setValue(horizontalScrollBar()->minimum());
    }
    updateSearch();
}

void NetworkDiagram::clear()
{
    mDescription = NetworkDescription{};
    mSelected.clear();
    mCamTarget.clear();
    mCollapsed.clear();
    mExpandedBlocks.clear();
    mSelectedLayer.clear();
    rebuild();
    updateSearch();
}

void NetworkDiagram::rebuild()
{
    mScene->clear();
    mBlockItems.clear();
    mStageItems.clear();
    mEdges.clear();
    mLayerItems.clear();
    mMergeItems.clear();
    mInput = mOutput = nullptr;
    if (mDescription.blocks.empty()) {
        mScene->setSceneRect(QRectF());
        mMinimap->refresh();
        return;
    }

    for (const StageDescription& stage : mDescription.stages) {
        auto* stageItem = new DiagramStageItem(mDescription, stage);
        mScene->addItem(stageItem);
        mStageItems[stage.name] = stageItem;
        const QColor color(QString::fromStdString(stage.color));
        for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i) {
            auto* blockItem = new DiagramBlockItem(mDescription.blocks[i], color.isValid() ? color : QColor(Qt::gray));
            mScene->addItem(blockItem);
            mBlockItems[mDescription.blocks[i].name] = blockItem;
        }
    }
    mInput = new DiagramTerminalItem(QStringLiteral("Input image"));
    mOutput = new DiagramTerminalItem(QStringLiteral("Class scores"));
    mInput->setToolTip(QStringLiteral("Input %1 (channels×height×width)").arg(formatShape(mDescription.inputShape)));
    mOutput->setToolTip(QStringLiteral("%1 parameters in all").arg(formatGrouped(mDescription.parameters)));
    mScene->addItem(mInput);
    mScene->addItem(mOutput);
    layoutItems();
    updateMarks();
    afterLayout();
}

void NetworkDiagram::afterLayout()
{
    if (mAutoFit)
        fitWidth();
    mMinimap->refresh();
}

// Positions are computed along the chain (`along`: y top to bottom, x left to right) and across it; `at` turns
// them into scene coordinates, so both orientations share one layout.
void NetworkDiagram::layoutItems()
{
    for (DiagramEdgeItem* edge : mEdges) {
        mScene->removeItem(edge);
        delete edge;
    }
    mEdges.clear();
    for (auto& [name, item] : mLayerItems) {
        mScene->removeItem(item);
        delete item;
    }
    mLayerItems.clear();
    for (DiagramLayerItem* item : mMergeItems) {
        mScene->removeItem(item);
        delete item;
    }
    mMergeItems.clear();
    if (!mInput)
        return;

    const bool h = horizontal();
    const qreal centre = h ? kChainY : kCentreX;
    const qreal gap = h ? kWideGap : kBlockGap;
    const qreal stageGap = h ? kWideGap : kStageGap;
    const auto at = [h](qreal along, qreal across) { return h ? QPointF(along, across) : QPointF(across, along); };
    const auto alongOf = [h](const QSizeF& size) { return h ? size.width() : size.height(); };
    const auto acrossOf = [h](const QSizeF& size) { return h ? size.height() : size.width(); };
    // Puts `item` (of `size`) at `along` on the chain, centred across it.
    const auto place = [&](QGraphicsItem* item, qreal along, const QSizeF& size) {
        item->setPos(at(along, centre - acrossOf(size) / 2));
    };
    const auto chainEdge = [&](qreal from, qreal to, const QString& label) {
        addEdge(QPolygonF{at(from, centre), at(to, centre)}, label);
    };
    const QSizeF nodeSize(kNodeWidth, kNodeHeight);
    const QSizeF terminalSize(kTerminalWidth, kTerminalHeight);
    const QSizeF collapsedSize(kFrameWidth, kCollapsedHeight);

    qreal along = 0;
    qreal across = h ? kFrameHeight : kFrameWidth;  // the widest thing beside the chain
    place(mInput, along, terminalSize);
    qreal outPort = along + alongOf(terminalSize);
    QString shape = formatShape(mDescription.inputShape);
    along = outPort + stageGap;

    for (const StageDescription& stage : mDescription.stages) {
        DiagramStageItem* stageItem = mStageItems.at(stage.name);
        stageItem->setCollapsed(isStageCollapsed(QString::fromStdString(stage.name)));
        // A one-block stage is its block's node, unless the block shows its layers.
        stageItem->setCompact(stage.blockCount != 1 ||
                              !mExpandedBlocks.count(mDescription.blocks[stage.firstBlock].name));
        const bool asNode = stageItem->isNode();
        chainEdge(outPort, along, shape);
        if (stage.blockCount > 0)
            shape = formatShape(mDescription.blocks[stage.firstBlock + stage.blockCount - 1].outputShape);
        if (asNode) {
            for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i)
                mBlockItems.at(mDescription.blocks[i].name)->setVisible(false);
            place(stageItem, along, collapsedSize);
            outPort = along + alongOf(collapsedSize);
            along = outPort + stageGap;
            continue;
        }
        stageItem->setPos(at(along, 0));
        qreal frameAcross = h ? kFrameHeight : kFrameWidth;
        qreal blockAlong = along + (h ? kFramePadding : kHeaderHeight + 8);
        qreal blockOut = blockAlong;
        for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i) {
            DiagramBlockItem* blockItem = mBlockItems.at(mDescription.blocks[i].name);
            blockItem->setVisible(true);
            blockItem->setExpanded(mExpandedBlocks.count(mDescription.blocks[i].name) > 0);
            if (i > stage.firstBlock)
                chainEdge(blockOut, blockAlong, formatShape(mDescription.blocks[i - 1].outputShape));
            place(blockItem, blockAlong, nodeSize);
            blockOut = blockAlong + alongOf(nodeSize);
            if (mExpandedBlocks.count(mDescription.blocks[i].name))
                blockOut = layoutLayers(i, blockOut, frameAcross);
            blockAlong = blockOut + gap;
        }
        const qreal frameAlong = blockOut + kFramePadding - along;
        stageItem->setFrameSize(h ? QSizeF(frameAlong, frameAcross) : QSizeF(frameAcross, frameAlong));
        across = std::max(across, frameAcross);
        outPort = along + frameAlong;
        along = outPort + stageGap;
    }
    place(mOutput, along, terminalSize);
    chainEdge(outPort, along, shape);
    along += alongOf(terminalSize);

    const QRectF bounds(QPointF(0, 0), h ? QSizeF(along, across) : QSizeF(across, along));
    mScene->setSceneRect(bounds.adjusted(-kMargin, -kMargin, kMargin, kMargin));
}

qreal NetworkDiagram::layoutLayers(int blockIndex, qreal along, qreal& across)
{
    const BlockDescription& block = mDescription.blocks[blockIndex];
    const StageDescription* stage = nullptr;
    for (const StageDescription& s : mDescription.stages)
        if (s.name == block.stage)
            stage = &s;
    QColor color(QString::fromStdString(stage ? stage->color : std::string()));
    if (!color.isValid())
        color = Qt::gray;

    const bool h = horizontal();
    const qreal centre = h ? kChainY : kCentreX;
    const qreal gap = h ? kWideGap : kLayerGap;
    const auto at = [h](qreal a, qreal c) { return h ? QPointF(a, c) : QPointF(c, a); };
    const auto alongOf = [h](const QSizeF& size) { return h ? size.width() : size.height(); };
    const auto acrossOf = [h](const QSizeF& size) { return h ? size.height() : size.width(); };
    const QSizeF layerSize = DiagramLayerItem::layerSize();
    const QSizeF mergeSize = DiagramLayerItem::mergeSize();
    const qreal halfLayer = acrossOf(layerSize) / 2;

    // Lays `layers` out in a lane from `from` (the port they hang from) and returns the end of the last one.
    const auto lane = [&](const std::vector<const LayerDescription*>& layers, qreal from, qreal laneCentre,
                          const QString& firstLabel, bool skip) {
        qreal out = from;
        QString label = firstLabel;
        for (const LayerDescription* layer : layers) {
            auto* item = new DiagramLayerItem(*layer, color);
            mScene->addItem(item);
            mLayerItems[layer->name] = item;
            const qreal start = out + gap;
            item->setPos(at(start, laneCentre - halfLayer));
            if (out != from || !skip)
                addEdge(QPolygonF{at(out, laneCentre), at(start, laneCentre)}, label, skip);
            out = start + alongOf(layerSize);
            label = formatShape(layer->outputShape);
        }
        return std::pair<qreal, QString>(out, label);
    };

    // The segments that each end in a merge: one per unit (DenseNet's dense layers), or the block as a whole.
    struct Segment {
        QString name;
        std::vector<const LayerDescription*> main;
        std::vector<const LayerDescription*> shortcut;
    };
    std::vector<Segment> segments;
    const std::set<std::string> shortcut(block.shortcutLayers.begin(), block.shortcutLayers.end());
    if (block.mergeUnits.empty()) {
        Segment all{QString::fromStdString(block.name), {}, {}};
        for (const LayerDescription& layer : block.layers)
            (shortcut.count(layer.name) ? all.shortcut : all.main).push_back(&layer);
        segments.push_back(std::move(all));
    } else {
        for (const std::string& unit : block.mergeUnits) {
            Segment segment{QString::fromStdString(unit), {}, {}};
            for (const LayerDescription& layer : block.layers)
                if (layer.name == unit || startsWith(layer.name, unit + "."))
                    segment.main.push_back(&layer);
            segments.push_back(std::move(segment));
        }
    }

    qreal out = along;
    for (size_t s = 0; s < segments.size(); ++s) {
        const Segment& segment = segments[s];
        const auto [mainOut, mainLabel] = lane(segment.main, out, centre, QString(), false);
        if (block.merge == MergeKind::None)
            return mainOut;

        // The skip: out of the fork just after the segment's input, beside the layers (through the shortcut's
        // own layers when it has them), into the side of the merge node.
        const qreal fork = out + std::min<qreal>(6, gap / 3);
        const bool hasShortcut = !segment.shortcut.empty();
        const qreal laneCentre =
            hasShortcut ? centre + halfLayer + kLaneGap + halfLayer : centre + halfLayer + kIdentityLane;
        qreal skipOut = fork;
        QString skipLabel = block.splitInput ? tr("split") : QString();
        if (hasShortcut) {
            const qreal firstStart = out + gap;
            addEdge(QPolygonF{at(fork, centre), at(fork, laneCentre), at(firstStart, laneCentre)}, QString(), true);
            std::tie(skipOut, skipLabel) = lane(segment.shortcut, out, laneCentre, QString(), true);
            across = std::max(across, laneCentre + halfLayer + kFramePadding);
        } else {
            across = std::max(across, laneCentre + kFramePadding);
        }
        const qreal mergeStart = std::max(mainOut, skipOut) + gap;
        auto* merge = new DiagramLayerItem(block, segment.name);
        mScene->addItem(merge);
        mMergeItems.push_back(merge);
        merge->setPos(at(mergeStart, centre - acrossOf(mergeSize) / 2));
        addEdge(QPolygonF{at(mainOut, centre), at(mergeStart, centre)}, mainLabel);
        const qreal mergeMiddle = mergeStart + alongOf(mergeSize) / 2;
        QPolygonF skip;
        if (!hasShortcut)
            skip << at(fork, centre);
        skip << at(hasShortcut ? skipOut : fork, laneCentre) << at(mergeMiddle, laneCentre)
             << at(mergeMiddle, centre + acrossOf(mergeSize) / 2);
        addEdge(skip, skipLabel, true);
        out = mergeStart + alongOf(mergeSize);
    }
    return out;
}

void NetworkDiagram::addEdge(const QPolygonF& path, const QString& label, bool skip)
{
    auto* edge = new DiagramEdgeItem(path, label, skip);
    mScene->addItem(edge);
    mEdges.push_back(edge);
}

void NetworkDiagram::updateMarks()
{
    const int selected = mSelected.isEmpty() ? -1 : mDescription.indexOf(mSelected.toStdString());
    const int cam = mCamTarget.isEmpty() ? -1 : mDescription.indexOf(mCamTarget.toStdString());
    for (size_t i = 0; i < mDescription.blocks.size(); ++i) {
        DiagramBlockItem* item = mBlockItems.at(mDescription.blocks[i].name);
        item->setSelectedBlock(static_cast<int>(i) == selected);
        item->setCamTarget(static_cast<int>(i) == cam);
    }
    for (const StageDescription& stage : mDescription.stages) {
        DiagramStageItem* item = mStageItems.at(stage.name);
        const auto holds = [&stage](int index) {
            return index >= stage.firstBlock && index < stage.firstBlock + stage.blockCount;
        };
        item->setHoldsSelection(holds(selected));
        item->setHoldsCamTarget(holds(cam));
    }
    const std::string layer = mSelectedLayer.toStdString();
    for (auto& [name, item] : mLayerItems)
        item->setSelectedLayer(name == layer);
}

bool NetworkDiagram::selectBlock(const QString& block)
{
    const int index = mDescription.indexOf(block.toStdString());
    if (index < 0)
        return false;
    const std::string& name = mDescription.blocks[index].name;
    // Selecting the block a selected layer belongs to keeps the layer, and the view where it is.
    if (mLayerItems.count(mSelectedLayer.toStdString()) && blockOfLayer(mSelectedLayer.toStdString()) == index)
        return true;
    mSelectedLayer.clear();
    mSelected = QString::fromStdString(name);
    const std::string stage = stageOf(index);
    if (!stage.empty() && isStageCollapsed(QString::fromStdString(stage)))
        setStageCollapsed(QString::fromStdString(stage), false);
    updateMarks();
    centerOn(blockPosition(mSelected));
    return true;
}

void NetworkDiagram::setCamTarget(const QString& block)
{
    const int index = block.isEmpty() ? -1 : mDescription.indexOf(block.toStdString());
    mCamTarget = index >= 0 ? QString::fromStdString(mDescription.blocks[index].name) : QString();
    updateMarks();
}

void NetworkDiagram::setStageCollapsed(const QString& stage, bool collapsed)
{
    const std::string name = stage.toStdString();
    if (!mStageItems.count(name) || isStageCollapsed(stage) == collapsed)
        return;
    mCollapsed[name] = collapsed;
    layoutItems();
    afterLayout();
}

bool NetworkDiagram::isStageCollapsed(const QString& stage) const
{
    const auto it = mCollapsed.find(stage.toStdString());
    return it != mCollapsed.end() && it->second;
}

QPointF NetworkDiagram::blockPosition(const QString& block) const
{
    const int index = mDescription.indexOf(block.toStdString());
    if (index < 0)
        return {};
    const std::string stage = stageOf(index);
    if (!stage.empty() && mStageItems.at(stage)->isNode())
        return mStageItems.at(stage)->mapToScene(QPointF(kFrameWidth / 2, kCollapsedHeight / 2));
    return mBlockItems.at(mDescription.blocks[index].name)->mapToScene(QPointF(kNodeWidth / 2, kNodeHeight / 2));
}

bool NetworkDiagram::isBlockVisible(const QString& block) const
{
    const auto it = mBlockItems.find(block.toStdString());
    if (it == mBlockItems.end())
        return false;
    const std::string stage = stageOf(mDescription.indexOf(it->first));
    return it->second->isVisible() || (!stage.empty() && mStageItems.at(stage)->isCompact());
}

bool NetworkDiagram::setBlockExpanded(const QString& block, bool expanded)
{
    const int index = mDescription.indexOf(block.toStdString());
    if (index < 0 || mDescription.blocks[index].layers.size() < 2)
        return false;
    const std::string& name = mDescription.blocks[index].name;
    if (expanded) {
        const std::string stage = stageOf(index);
        if (!stage.empty())
            mCollapsed[stage] = false;
        mExpandedBlocks.insert(name);
    } else {
        mExpandedBlocks.erase(name);
        if (!mSelectedLayer.isEmpty() && blockOfLayer(mSelectedLayer.toStdString()) == index)
            mSelectedLayer.clear();
    }
    layoutItems();
    updateMarks();
    afterLayout();
    return true;
}

bool NetworkDiagram::isBlockExpanded(const QString& block) const
{
    const int index = mDescription.indexOf(block.toStdString());
    return index >= 0 && mExpandedBlocks.count(mDescription.blocks[index].name) > 0;
}

int NetworkDiagram::blockOfLayer(const std::string& layer) const
{
    for (size_t i = 0; i < mDescription.blocks.size(); ++i) {
        const BlockDescription& block = mDescription.blocks[i];
        if (layer != block.name && !startsWith(layer, block.name + "."))
            continue;
        for (const LayerDescription& l : block.layers)
            if (l.name == layer)
                return static_cast<int>(i);
    }
    return -1;
}

bool NetworkDiagram::selectLayer(const QString& layer)
{
    const int index = blockOfLayer(layer.toStdString());
    if (index < 0)
        return false;
    const QString block = QString::fromStdString(mDescription.blocks[index].name);
    if (mDescription.blocks[index].layers.size() >= 2 && !isBlockExpanded(block))
        setBlockExpanded(block, true);
    mSelected = block;
    mSelectedLayer = layer;
    if (!mLayerItems.count(layer.toStdString()))
        mSelectedLayer.clear();  // a one-layer block: the block is its layer
    updateMarks();
    centerOn(mSelectedLayer.isEmpty() ? blockPosition(block) : layerPosition(layer));
    return true;
}

QPointF NetworkDiagram::layerPosition(const QString& layer) const
{
    const auto it = mLayerItems.find(layer.toStdString());
    if (it == mLayerItems.end() || !it->second->isVisible())
        return {};
    return it->second->mapToScene(QRectF(QPointF(0, 0), DiagramLayerItem::layerSize()).center());
}

void NetworkDiagram::setOrientation(Qt::Orientation orientation)
{
    if (orientation == mOrientation)
        return;
    mOrientation = orientation;
    mAutoFit = true;
    layoutItems();
    updateMarks();
    afterLayout();
    if (!mSelected.isEmpty())
        centerOn(mSelectedLayer.isEmpty() ? blockPosition(mSelected) : layerPosition(mSelectedLayer));
    Q_EMIT orientationChanged(mOrientation);
}

void NetworkDiagram::zoomToFit()
{
    if (mScene->sceneRect().isEmpty())
        return;
    mAutoFit = false;
    const QRectF rect = mScene->sceneRect();
    const QSize size = viewport()->size();
    const qreal scale = std::min(size.width() / rect.width(), size.height() / rect.height());
    setZoom(std::min(scale, kMaxFitZoom));
    centerOn(rect.center());
    mMinimap->refresh();
}

void NetworkDiagram::fitWidth()
{
    if (mScene->sceneRect().isEmpty())
        return;
    // The scroll bar a long diagram needs takes room from the viewport; leave room for it up front. Left to
    // right, the diagram fits the height instead.
    // The overview's corner stays free: the diagram fits beside it (above it, left to right).
    const int extent = style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    const QSize overview = mMinimap->plannedSize();
    const qreal available = horizontal() ? viewport()->height() - (horizontalScrollBar()->isVisible() ? 0 : extent) -
                                               (overview.isEmpty() ? 0 : overview.height() + 8)
                                         : viewport()->width() - (verticalScrollBar()->isVisible() ? 0 : extent) -
                                               (overview.isEmpty() ? 0 : overview.width() + 8);
    const qreal size = horizontal() ? mScene->sceneRect().height() : mScene->sceneRect().width();
    setZoom(std::clamp(available / size, kMinZoom, kMaxFitZoom));
}

void NetworkDiagram::setZoom(qreal scale)
{
    scale = std::clamp(scale, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(scale, scale));
    mMinimap->refresh();
}

void NetworkDiagram::expandAll()
{
    for (const auto& [name, item] : mStageItems)
        mCollapsed[name] = false;
    layoutItems();
    afterLayout();
}

void NetworkDiagram::collapseAll()
{
    for (const auto& [name, item] : mStageItems)
        mCollapsed[name] = true;
    layoutItems();
    updateMarks();
    afterLayout();
}

std::string NetworkDiagram::stageOf(int blockIndex) const
{
    for (const StageDescription& stage : mDescription.stages)
        if (blockIndex >= stage.firstBlock && blockIndex < stage.firstBlock + stage.blockCount)
            return stage.name;
    return {};
}

void NetworkDiagram::toggleStage(const std::string& stage)
{
    const QString name = QString::fromStdString(stage);
    setStageCollapsed(name, !isStageCollapsed(name));
}

void NetworkDiagram::selectAndEmit(const QString& block)
{
    const int index = mDescription.indexOf(block.toStdString());
    if (index < 0)
        return;
    mSelected = QString::fromStdString(mDescription.blocks[index].name);
    mSelectedLayer.clear();
    updateMarks();
    Q_EMIT blockSelected(mSelected);
}

void NetworkDiagram::toggleBlock(const QString& block)
{
    setBlockExpanded(block, !isBlockExpanded(block));
}

void NetworkDiagram::requestCamTarget(const QString& block)
{
    setCamTarget(block);
    if (!mCamTarget.isEmpty())
        Q_EMIT camTargetRequested(mCamTarget);
}

DiagramBlockItem* NetworkDiagram::blockAt(const QPoint& viewportPos) const
{
    for (QGraphicsItem* item : items(viewportPos))
        if (auto* block = itemOfKind<DiagramBlockItem>(item, ItemKind::Block))
            return block;
    return nullptr;
}

DiagramLayerItem* NetworkDiagram::layerAt(const QPoint& viewportPos) const
{
    for (QGraphicsItem* item : items(viewportPos))
        if (auto* layer = itemOfKind<DiagramLayerItem>(item, ItemKind::Layer))
            return layer;
    return nullptr;
}

DiagramStageItem* NetworkDiagram::stageAt(const QPoint& viewportPos) const
{
    for (QGraphicsItem* item : items(viewportPos))
        if (auto* stage = itemOfKind<DiagramStageItem>(item, ItemKind::Stage))
            return stage;
    return nullptr;
}

void NetworkDiagram::mousePressEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        const QPoint pos = event->position().toPoint();
        if (DiagramLayerItem* layer = layerAt(pos)) {
            const QString name = layer->data(kNameRole).toString();
            const int index = blockOfLayer(name.toStdString());
            if (index >= 0) {
                mSelected = QString::fromStdString(mDescription.blocks[index].name);
                mSelectedLayer = name;
                updateMarks();
                Q_EMIT blockSelected(mSelected);
                Q_EMIT layerSelected(name);
            }
        } else if (DiagramBlockItem* block = blockAt(pos)) {
            selectAndEmit(block->data(kNameRole).toString());
        } else if (DiagramStageItem* stage = stageAt(pos)) {
            const std::string name = stage->data(kNameRole).toString().toStdString();
            const QPointF local = stage->mapFromScene(mapToScene(pos));
            if (!stage->isCompact() && stage->isOnHeader(mapToScene(pos)) && local.x() < 28)
                toggleStage(name);  // the expand/collapse indicator
            else if (stage->isNode())
                selectAndEmit(QString::fromStdString(name));  // a collapsed stage stands for its last block
        }
    }
    QGraphicsView::mousePressEvent(event);
}

void NetworkDiagram::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton) {
        const QPoint pos = event->position().toPoint();
        if (DiagramBlockItem* block = blockAt(pos)) {
            const QString name = block->data(kNameRole).toString();
            const int index = mDescription.indexOf(name.toStdString());
            if (index >= 0 && mDescription.blocks[index].layers.size() >= 2) {
                toggleBlock(name);
                event->accept();
                return;
            }
        } else {
            DiagramStageItem* stage = stageAt(pos);
            if (stage && stage->isCompact()) {  // a one-block stage's node: its block's layers
                const int index = mDescription.indexOf(stage->data(kNameRole).toString().toStdString());
                if (index >= 0 && mDescription.blocks[index].layers.size() >= 2) {
                    toggleBlock(QString::fromStdString(mDescription.blocks[index].name));
                    event->accept();
                    return;
                }
            }
            if (stage && !stage->isCompact() && stage->isOnHeader(mapToScene(pos))) {
                toggleStage(stage->data(kNameRole).toString().toStdString());
                event->accept();
                return;
            }
        }
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void NetworkDiagram::contextMenuEvent(QContextMenuEvent* event)
{
    auto* menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("networkDiagramMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);

    QString block;
    QString stage;
    bool onHeader = false;
    if (DiagramBlockItem* item = blockAt(event->pos())) {
        block = item->data(kNameRole).toString();
    } else if (DiagramStageItem* item = stageAt(event->pos())) {
        stage = item->data(kNameRole).toString();
        onHeader = item->isOnHeader(mapToScene(event->pos()));
        if (item->isCompact())
            onHeader = false;  // nothing to collapse
        if (item->isNode()) {
            const int index = mDescription.indexOf(stage.toStdString());
            block = QString::fromStdString(mDescription.blocks[index].name);
        }
    }

    if (!block.isEmpty()) {
        QAction* cam = menu->addAction(QStringLiteral("Use %1 as Grad-CAM target").arg(block));
        cam->setObjectName(QStringLiteral("useAsCamTarget"));
        cam->setEnabled(block != mCamTarget);
        connect(cam, &QAction::triggered, this, [this, block] { requestCamTarget(block); });
        QAction* maps = menu->addAction(QStringLiteral("Show feature maps of %1").arg(block));
        maps->setObjectName(QStringLiteral("showFeatureMaps"));
        connect(maps, &QAction::triggered, this, [this, block] { selectAndEmit(block); });
        const int index = mDescription.indexOf(block.toStdString());
        if (index >= 0 && mDescription.blocks[index].layers.size() >= 2) {
            const bool expanded = isBlockExpanded(block);
            QAction* layers = menu->addAction(expanded ? tr("Hide Layers") : tr("Show Layers"));
            layers->setObjectName(QStringLiteral("toggleLayers"));
            connect(layers, &QAction::triggered, this, [this, block] { toggleBlock(block); });
        }
    }
    if (!stage.isEmpty() && !mStageItems.at(stage.toStdString())->isCompact() &&
        (onHeader || isStageCollapsed(stage))) {
        if (!menu->isEmpty())
            menu->addSeparator();
        const bool collapsed = isStageCollapsed(stage);
        QAction* toggle = menu->addAction(collapsed ? QStringLiteral("Expand %1").arg(stage)
                                                    : QStringLiteral("Collapse %1").arg(stage));
        toggle->setObjectName(QStringLiteral("toggleStage"));
        connect(toggle, &QAction::triggered, this, [this, stage] { toggleStage(stage.toStdString()); });
    }
    if (!mDescription.blocks.empty()) {
        if (!menu->isEmpty())
            menu->addSeparator();
        menu->addAction(QStringLiteral("Zoom to Fit"), this, &NetworkDiagram::zoomToFit)
            ->setObjectName(QStringLiteral("zoomToFit"));
        menu->addAction(QStringLiteral("Expand All Stages"), this, &NetworkDiagram::expandAll)
            ->setObjectName(QStringLiteral("expandAll"));
        menu->addAction(QStringLiteral("Collapse All Stages"), this, &NetworkDiagram::collapseAll)
            ->setObjectName(QStringLiteral("collapseAll"));
        if (!mExpandedBlocks.empty())
            menu->addAction(tr("Hide All Layers"), this,
                            [this] {
                                mExpandedBlocks.clear();
                                mSelectedLayer.clear();
                                layoutItems();
                                updateMarks();
                                afterLayout();
                            })
                ->setObjectName(QStringLiteral("hideAllLayers"));
        menu->addSeparator();
        QAction* leftToRight = menu->addAction(tr("Lay Out Left to Right"));
        leftToRight->setObjectName(QStringLiteral("leftToRight"));
        leftToRight->setCheckable(true);
        leftToRight->setChecked(horizontal());
        connect(leftToRight, &QAction::toggled, this,
                [this](bool on) { setOrientation(on ? Qt::Horizontal : Qt::Vertical); });
        menu->addAction(tr("Find…"), this, [this] { openSearch(); })->setObjectName(QStringLiteral("find"));
        menu->addAction(tr("Export Diagram…"), this, &NetworkDiagram::exportDiagram)
            ->setObjectName(QStringLiteral("exportDiagram"));
    }
    if (menu->isEmpty()) {
        delete menu;
        return;
    }
    // popup, not exec: the menu must not run a nested event loop inside this handler.
    menu->popup(event->globalPos());
    event->accept();
}

void NetworkDiagram::wheelEvent(QWheelEvent* event)
{
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    mAutoFit = false;
    const qreal steps = event->angleDelta().y() / 120.0;
    setZoom(transform().m11() * std::pow(1.15, steps));
    event->accept();
}

std::vector<int> NetworkDiagram::drawnBlocks() const
{
    std::vector<int> blocks;
    for (const StageDescription& stage : mDescription.stages) {
        if (stage.blockCount == 0)
            continue;
        if (mStageItems.at(stage.name)->isNode()) {
            blocks.push_back(stage.firstBlock + stage.blockCount - 1);
            continue;
        }
        for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i)
            blocks.push_back(i);
    }
    return blocks;
}

void NetworkDiagram::keyPressEvent(QKeyEvent* event)
{
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    if (ctrl && (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal || event->key() == Qt::Key_Minus)) {
        mAutoFit = false;
        setZoom(transform().m11() * (event->key() == Qt::Key_Minus ? 1 / 1.25 : 1.25));
        event->accept();
        return;
    }
    if (event->matches(QKeySequence::Find)) {  // when no window is active to dispatch the shortcut
        openSearch();
        event->accept();
        return;
    }
    if (ctrl && event->key() == Qt::Key_0) {
        zoomToFit();
        event->accept();
        return;
    }
    const bool back = event->key() == (horizontal() ? Qt::Key_Left : Qt::Key_Up);
    const bool forward = event->key() == (horizontal() ? Qt::Key_Right : Qt::Key_Down);
    if ((back || forward) && !mDescription.blocks.empty()) {
        const std::vector<int> blocks = drawnBlocks();
        const int selected = mSelected.isEmpty() ? -1 : mDescription.indexOf(mSelected.toStdString());
        // The drawn entry holding the selection (a collapsed stage stands for all of its blocks).
        int position = -1;
        for (size_t i = 0; i < blocks.size(); ++i)
            if (selected >= 0 && stageOf(blocks[i]) == stageOf(selected) &&
                (blocks[i] == selected || mStageItems.at(stageOf(selected))->isNode()))
                position = static_cast<int>(i);
        const int step = forward ? 1 : -1;
        const int next = position < 0 ? (step > 0 ? 0 : static_cast<int>(blocks.size()) - 1)
                                      : std::clamp(position + step, 0, static_cast<int>(blocks.size()) - 1);
        if (next != position) {
            selectAndEmit(QString::fromStdString(mDescription.blocks[blocks[next]].name));
            const QPointF centre = blockPosition(mSelected);
            ensureVisible(QRectF(centre - QPointF(kNodeWidth / 2, kNodeHeight), QSizeF(kNodeWidth, 2 * kNodeHeight)));
        }
        event->accept();
        return;
    }
    QGraphicsView::keyPressEvent(event);
}

void NetworkDiagram::paintEvent(QPaintEvent* event)
{
    QGraphicsView::paintEvent(event);
    if (!mDescription.blocks.empty())
        return;
    QPainter painter(viewport());
    painter.setPen(secondaryText(palette()));
    painter.drawText(viewport()->rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap, placeholder());
}

void NetworkDiagram::setPlaceholder(const QString& text)
{
    mPlaceholder = text;
    viewport()->update();
}

QString NetworkDiagram::placeholder() const
{
    return mPlaceholder.isEmpty() ? tr("No network to show.\nChoose a model to see its blocks.") : mPlaceholder;
}

void NetworkDiagram::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    if (mAutoFit)
        fitWidth();
    const QRect area = viewport()->geometry();
    const int width = std::min(area.width() - 16, std::max(300, mSearch->sizeHint().width()));
    mSearch->setGeometry(area.right() - 8 - width, area.top() + 8, width, mSearch->sizeHint().height());
    mMinimap->refresh();
}

void NetworkDiagram::scrollContentsBy(int dx, int dy)
{
    QGraphicsView::scrollContentsBy(dx, dy);
    mMinimap->refresh();
}

void NetworkDiagram::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        mScene->setPalette(palette());
        mMinimap->invalidate();
    }
    else if (event->type() == QEvent::FontChange)
        mScene->setFont(font());
    QGraphicsView::changeEvent(event);
}

// --------------------------------------------------------------------------------------------- find

void NetworkDiagram::openSearch(const QString& text)
{
    if (!text.isEmpty())
        mSearch->field()->setText(text);  // updates the matches
    mSearch->open();
    updateSearch();
}

// Blocks and layers whose name or type (or, for a layer, the module holding it: "SqueezeExcitation") contains the
// text, ignoring case, in forward order: each block, then its layers.
void NetworkDiagram::updateSearch()
{
    mMatches.clear();
    mMatch = -1;
    const QString text = mSearch->text().trimmed();
    if (text.isEmpty()) {
        mSearch->setStatus(QString(), false);
        return;
    }
    const auto matches = [&text](const std::string& field) {
        return !field.empty() && QString::fromStdString(field).contains(text, Qt::CaseInsensitive);
    };
    for (size_t b = 0; b < mDescription.blocks.size(); ++b) {
        const BlockDescription& block = mDescription.blocks[b];
        if (matches(block.name) || matches(block.type))
            mMatches.push_back({static_cast<int>(b), -1});
        if (block.layers.size() < 2)
            continue;  // a one-layer block is its layer
        for (size_t l = 0; l < block.layers.size(); ++l) {
            const LayerDescription& layer = block.layers[l];
            if (matches(layer.name) || matches(layer.type) || matches(layer.container))
                mMatches.push_back({static_cast<int>(b), static_cast<int>(l)});
        }
    }
    mSearch->setStatus(searchStatus(), mMatches.empty());
}

QString NetworkDiagram::searchStatus() const
{
    if (mSearch->text().trimmed().isEmpty())
        return {};
    if (mMatches.empty())
        return tr("No match");
    if (mMatch < 0)
        return mMatches.size() == 1 ? tr("1 match") : tr("%1 matches").arg(mMatches.size());
    return tr("%1 of %2").arg(mMatch + 1).arg(mMatches.size());
}

bool NetworkDiagram::findNext(bool backwards)
{
    if (mMatches.empty()) {
        mSearch->setStatus(searchStatus(), !mSearch->text().trimmed().isEmpty());
        return false;
    }
    const int count = static_cast<int>(mMatches.size());
    if (mMatch < 0)
        mMatch = backwards ? count - 1 : 0;
    else
        mMatch = (mMatch + (backwards ? count - 1 : 1)) % count;
    const Match& match = mMatches[static_cast<size_t>(mMatch)];
    const BlockDescription& block = mDescription.blocks[static_cast<size_t>(match.block)];
    if (match.layer < 0) {
        mSelectedLayer.clear();  // else selecting the block of the selected layer keeps the layer
        selectBlock(QString::fromStdString(block.name));
    } else
        selectLayer(QString::fromStdString(block.layers[static_cast<size_t>(match.layer)].name));
    mSearch->setStatus(searchStatus(), false);
    return true;
}

// --------------------------------------------------------------------------------------------- export

QImage NetworkDiagram::renderImage(qreal scale) const
{
    const QRectF rect = mScene->sceneRect();
    if (rect.isEmpty())
        return {};
    // At most 100 megapixels: DenseNet with every block's layers shown is tens of thousands of units long.
    const qreal pixels = rect.width() * rect.height() * scale * scale;
    if (pixels > 100e6)
        scale *= std::sqrt(100e6 / pixels);
    QImage image((rect.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    if (image.isNull())
        return {};
    image.fill(palette().color(QPalette::Base));
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    mScene->render(&painter, QRectF(QPointF(0, 0), QSizeF(image.size())), rect);
    return image;
}

Expected<void> NetworkDiagram::exportImage(const QString& path, qreal scale) const
{
    const auto fail = [&path](const QString& why) {
        return makeError(ErrorKind::BadInput,
                         QStringLiteral("Could not write the diagram to %1: %2").arg(path, why).toStdString());
    };
    const QRectF rect = mScene->sceneRect();
    if (rect.isEmpty())
        return fail(QStringLiteral("there is no network to draw."));
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(rect.size().toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), rect.size()));
        svg.setTitle(QString::fromStdString(mDescription.displayName));
        svg.setDescription(
            tr("The network of %1, drawn by ConvLens").arg(QString::fromStdString(mDescription.modelId)));
        QPainter painter;
        if (!painter.begin(&svg))
            return fail(QStringLiteral("the file cannot be created (check the folder exists and is writable)."));
        painter.fillRect(QRectF(QPointF(0, 0), rect.size()), palette().color(QPalette::Base));
        mScene->render(&painter, QRectF(QPointF(0, 0), rect.size()), rect);
        if (!painter.end())
            return fail(QStringLiteral("writing it failed."));
        return {};
    }
    if (suffix != QLatin1String("png"))
        return fail(QStringLiteral("the name should end in .svg or .png."));
    const QImage image = renderImage(scale);
    if (image.isNull())
        return fail(QStringLiteral("the image is too large for the memory available."));
    if (!image.save(path, "PNG"))
        return fail(QStringLiteral("the file cannot be written (check the folder exists and is writable)."));
    return {};
}

void NetworkDiagram::exportDiagram()
{
    if (mDescription.blocks.empty())
        return;
    QString selectedFilter;
    const QString svgFilter = tr("SVG drawing (*.svg)");
    const QString pngFilter = tr("PNG image (*.png)");
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Diagram"),
        QDir::home().filePath(QString::fromStdString(mDescription.modelId) + QStringLiteral("-network.svg")),
        svgFilter + QStringLiteral(";;") + pngFilter, &selectedFilter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selectedFilter == pngFilter ? QStringLiteral(".png") : QStringLiteral(".svg");
    const auto written = exportImage(path);
    if (!written)
        QMessageBox::warning(this, tr("Export Diagram"), QString::fromStdString(written.message()));
}

}  // namespace convlens
