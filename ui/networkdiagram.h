#pragma once
// NetworkDiagram: the network drawn from a NetworkDescription (core/inspect/networkdescription.h) on a
// QGraphicsScene: one node per block, grouped in stage frames coloured by the registry's categories; stages
// collapse to one node and expand again (double-click the stage header, or expandAll/collapseAll); output shapes
// written on the edges; the wheel scrolls, Ctrl+wheel zooms, zoomToFit shows it all; until the user
// zooms, the diagram fits the view's width. The scene owns its items by block and stage name.
// Clicking a block selects it (blockSelected); its context menu offers "Use as Grad-CAM target"
// (camTargetRequested) and "Show feature maps" (blockSelected). Up/Down move the selection along the drawn nodes
// (blockSelected), Ctrl+plus/minus zoom, Ctrl+0 zooms to fit. GUI thread only.

#include "core/inspect/networkdescription.h"

#include <QGraphicsView>
#include <QString>

#include <map>
#include <string>
#include <vector>

class QGraphicsScene;

namespace convlens::diagram {
class DiagramBlockItem;
class DiagramEdgeItem;
class DiagramStageItem;
class DiagramTerminalItem;
}  // namespace convlens::diagram

namespace convlens {

class NetworkDiagram : public QGraphicsView {
    Q_OBJECT

public:
    explicit NetworkDiagram(QWidget* parent = nullptr);

    void setDescription(const NetworkDescription& description);
    void clear();
    // What the empty diagram says ("Loading ResNet-50…"); empty: the default (no model chosen).
    void setPlaceholder(const QString& text);
    QString placeholder() const;
    const NetworkDescription& description() const { return mDescription; }

    // Highlights `block` (expanding its stage when collapsed) and centres it; does not emit. False when unknown.
    bool selectBlock(const QString& block);
    QString selectedBlock() const { return mSelected; }
    // Marks the block the CAMs are computed at.
    void setCamTarget(const QString& block);
    QString camTarget() const { return mCamTarget; }

    void setStageCollapsed(const QString& stage, bool collapsed);
    bool isStageCollapsed(const QString& stage) const;
    // Scene position of a block's node centre (of its stage's node when collapsed), for tests; null when unknown.
    QPointF blockPosition(const QString& block) const;
    // Whether the block is drawn as a node of its own (false inside a collapsed stage, or when unknown; a one-block
    // stage is its block's node), for tests.
    bool isBlockVisible(const QString& block) const;

public Q_SLOTS:
    void zoomToFit();
    void expandAll();
    void collapseAll();

Q_SIGNALS:
    void blockSelected(const QString& block);
    void camTargetRequested(const QString& block);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    // Positions the nodes for the current collapsed states and redraws the edges.
    void layoutItems();
    void updateMarks();
    void fitWidth();
    void setZoom(qreal scale);
    // The block (or, on a stage, the stage) under a viewport position.
    diagram::DiagramBlockItem* blockAt(const QPoint& viewportPos) const;
    diagram::DiagramStageItem* stageAt(const QPoint& viewportPos) const;
    // The name of the stage holding `block` (an index into the description), or "".
    std::string stageOf(int blockIndex) const;
    void toggleStage(const std::string& stage);
    void selectAndEmit(const QString& block);
    void requestCamTarget(const QString& block);
    // The blocks that have a node of their own or stand for a collapsed stage, top to bottom.
    std::vector<int> drawnBlocks() const;

    QGraphicsScene* mScene;
    std::map<std::string, diagram::DiagramBlockItem*> mBlockItems;  // by block name; owned by mScene
    std::map<std::string, diagram::DiagramStageItem*> mStageItems;  // by stage name; owned by mScene
    std::vector<diagram::DiagramEdgeItem*> mEdges;                  // owned by mScene
    diagram::DiagramTerminalItem* mInput = nullptr;
    diagram::DiagramTerminalItem* mOutput = nullptr;
    bool mAutoFit = true;  // fit the width on resize until the user zooms

    NetworkDescription mDescription;
    QString mSelected;
    QString mCamTarget;
    std::map<std::string, bool> mCollapsed;  // by stage name
    QString mPlaceholder;
};

}  // namespace convlens
