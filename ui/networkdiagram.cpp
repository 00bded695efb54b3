#include "ui/networkdiagram.h"

#include "ui/diagramblockitem.h"
#include "ui/diagramedgeitem.h"
#include "ui/diagramstageitem.h"
#include "ui/diagramstyle.h"
#include "ui/diagramterminalitem.h"

#include <QContextMenuEvent>
#include <QGraphicsScene>
#include <QKeyEvent>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QStyle>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace convlens {

using namespace diagram;

namespace {

constexpr qreal kMinZoom = 0.15;
constexpr qreal kMaxZoom = 3.0;
constexpr qreal kMaxFitZoom = 1.3;  // fitting never magnifies beyond this
constexpr qreal kMargin = 14;
constexpr qreal kCentreX = kFrameWidth / 2;

template <typename Item>
Item* itemOfKind(QGraphicsItem* item, ItemKind kind)
{
    for (; item; item = item->parentItem())
        if (item->data(kKindRole).toInt() == static_cast<int>(kind))
            return static_cast<Item*>(item);
    return nullptr;
}

}  // namespace

NetworkDiagram::NetworkDiagram(QWidget* parent) : QGraphicsView(parent), mScene(new QGraphicsScene(this))
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
    setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setBackgroundRole(QPalette::Base);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(160, 160);
}

void NetworkDiagram::setDescription(const NetworkDescription& description)
{
    mDescription = description;
    mCollapsed.clear();
    if (!mSelected.isEmpty() && mDescription.indexOf(mSelected.toStdString()) < 0)
        mSelected.clear();
    mCamTarget.clear();
    for (const BlockDescription& block : mDescription.blocks)
        if (block.isCamTarget)
            mCamTarget = QString::fromStdString(block.name);
    mAutoFit = true;
    rebuild();
    // A new network starts at its input, or at the block kept selected from the previous one.
    if (!mSelected.isEmpty())
        centerOn(blockPosition(mSelected));
    else
        verticalScrollBar()->setValue(verticalScrollBar()->minimum());
}

void NetworkDiagram::clear()
{
    mDescription = NetworkDescription{};
    mSelected.clear();
    mCamTarget.clear();
    mCollapsed.clear();
    rebuild();
}

void NetworkDiagram::rebuild()
{
    mScene->clear();
    mBlockItems.clear();
    mStageItems.clear();
    mEdges.clear();
    mInput = mOutput = nullptr;
    if (mDescription.blocks.empty()) {
        mScene->setSceneRect(QRectF());
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
    if (mAutoFit)
        fitWidth();
}

void NetworkDiagram::layoutItems()
{
    for (DiagramEdgeItem* edge : mEdges) {
        mScene->removeItem(edge);
        delete edge;
    }
    mEdges.clear();
    if (!mInput)
        return;

    auto addEdge = [this](qreal fromY, qreal toY, const QString& label) {
        auto* edge = new DiagramEdgeItem(QPointF(kCentreX, fromY), QPointF(kCentreX, toY), label);
        mScene->addItem(edge);
        mEdges.push_back(edge);
    };

    qreal y = 0;
    mInput->setPos(kCentreX - kTerminalWidth / 2, y);
    qreal outPort = y + kTerminalHeight;
    QString shape = formatShape(mDescription.inputShape);
    y = outPort + kStageGap;

    for (const StageDescription& stage : mDescription.stages) {
        DiagramStageItem* stageItem = mStageItems.at(stage.name);
        stageItem->setCollapsed(isStageCollapsed(QString::fromStdString(stage.name)));
        const bool asNode = stageItem->isNode();
        stageItem->setPos(0, y);
        addEdge(outPort, y, shape);

        qreal blockY = y + kHeaderHeight + 8;
        for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i) {
            DiagramBlockItem* blockItem = mBlockItems.at(mDescription.blocks[i].name);
            blockItem->setVisible(!asNode);
            if (asNode)
                continue;
            blockItem->setPos(kFramePadding, blockY);
            if (i > stage.firstBlock)
                addEdge(blockY - kBlockGap, blockY, formatShape(mDescription.blocks[i - 1].outputShape));
            blockY += kNodeHeight + kBlockGap;
        }
        stageItem->setFrameHeight(blockY - kBlockGap + kFramePadding - y);
        if (stage.blockCount > 0)
            shape = formatShape(mDescription.blocks[stage.firstBlock + stage.blockCount - 1].outputShape);
        outPort = y + stageItem->height();
        y = outPort + kStageGap;
    }
    mOutput->setPos(kCentreX - kTerminalWidth / 2, y);
    addEdge(outPort, y, shape);

    const QRectF bounds(0, 0, kFrameWidth, y + kTerminalHeight);
    mScene->setSceneRect(bounds.adjusted(-kMargin, -kMargin, kMargin, kMargin));
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
}

bool NetworkDiagram::selectBlock(const QString& block)
{
    const int index = mDescription.indexOf(block.toStdString());
    if (index < 0)
        return false;
    const std::string& name = mDescription.blocks[index].name;
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
    if (mAutoFit)
        fitWidth();
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
}

void NetworkDiagram::fitWidth()
{
    if (mScene->sceneRect().isEmpty())
        return;
    // The scroll bar a tall diagram needs takes width from the viewport; leave room for it up front.
    const qreal available =
        viewport()->width() - (verticalScrollBar()->isVisible() ? 0 : style()->pixelMetric(QStyle::PM_ScrollBarExtent));
    setZoom(std::clamp(available / mScene->sceneRect().width(), kMinZoom, kMaxFitZoom));
}

void NetworkDiagram::setZoom(qreal scale)
{
    scale = std::clamp(scale, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(scale, scale));
}

void NetworkDiagram::expandAll()
{
    for (const auto& [name, item] : mStageItems)
        mCollapsed[name] = false;
    layoutItems();
    if (mAutoFit)
        fitWidth();
}

void NetworkDiagram::collapseAll()
{
    for (const auto& [name, item] : mStageItems)
        mCollapsed[name] = true;
    layoutItems();
    if (mAutoFit)
        fitWidth();
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
    updateMarks();
    Q_EMIT blockSelected(mSelected);
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
        if (DiagramBlockItem* block = blockAt(pos)) {
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
        if (!blockAt(pos)) {
            if (DiagramStageItem* stage = stageAt(pos);
                stage && !stage->isCompact() && stage->isOnHeader(mapToScene(pos))) {
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
    if (ctrl && event->key() == Qt::Key_0) {
        zoomToFit();
        event->accept();
        return;
    }
    if ((event->key() == Qt::Key_Up || event->key() == Qt::Key_Down) && !mDescription.blocks.empty()) {
        const std::vector<int> blocks = drawnBlocks();
        const int selected = mSelected.isEmpty() ? -1 : mDescription.indexOf(mSelected.toStdString());
        // The drawn entry holding the selection (a collapsed stage stands for all of its blocks).
        int position = -1;
        for (size_t i = 0; i < blocks.size(); ++i)
            if (selected >= 0 && stageOf(blocks[i]) == stageOf(selected) &&
                (blocks[i] == selected || mStageItems.at(stageOf(selected))->isNode()))
                position = static_cast<int>(i);
        const int step = event->key() == Qt::Key_Down ? 1 : -1;
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
    painter.drawText(viewport()->rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                     placeholder());
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
}

void NetworkDiagram::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        mScene->setPalette(palette());
    else if (event->type() == QEvent::FontChange)
        mScene->setFont(font());
    QGraphicsView::changeEvent(event);
}

}  // namespace convlens
