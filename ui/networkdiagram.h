#pragma once
// NetworkDiagram: the network drawn from a NetworkDescription (core/inspect/networkdescription.h) on a
// QGraphicsScene: one node per block, grouped in stage frames coloured by the registry's categories; stages
// collapse to one node and expand again (double-click the stage header, or expandAll/collapseAll); output shapes
// written on the edges; the wheel scrolls, Ctrl+wheel zooms, zoomToFit shows it all; until the user
// zooms, the diagram fits the view's width. The scene owns its items by block and stage name.
// Clicking a block selects it (blockSelected); its context menu offers "Use as Grad-CAM target"
// (camTargetRequested) and "Show feature maps" (blockSelected). Up/Down move the selection along the drawn nodes
// (blockSelected), Ctrl+plus/minus zoom, Ctrl+0 zooms to fit.
// A block expands to its layers (double-click it, or "Show layers" in its context menu): its layers with the shapes
// between them, and how it merges its paths (core/inspect: BlockDescription::merge): a skip edge from its input
// around its layers (through its shortcut layers, e.g. ResNet's downsample) to an "add" node, or to a "concat" node
// (DenseNet's dense layers, each; ShuffleNet's split/concat). Clicking a layer selects it (layerSelected, and
// blockSelected for its block). Ctrl+F opens a find field matching block and layer names and types; Enter/F3 go to
// the next match, expanding what hides it. An overview in the corner shows and moves the visible part of a diagram
// larger than the view. The chain runs top to bottom or left to right (setOrientation). exportImage() writes the
// whole diagram, as drawn, to SVG or PNG. GUI thread only.

#include "core/inspect/networkdescription.h"

#include "core/common/expected.h"

#include <QGraphicsView>
#include <QImage>
#include <QPolygonF>
#include <QString>

#include <map>
#include <set>
#include <string>
#include <vector>

class QGraphicsScene;

namespace convlens::diagram {
class DiagramBlockItem;
class DiagramEdgeItem;
class DiagramLayerItem;
class DiagramMinimap;
class DiagramSearchBar;
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

    // A block drawn with its layers (expanding its stage when collapsed). Blocks with fewer than two layers stay
    // as they are; false then, and for unknown names.
    bool setBlockExpanded(const QString& block, bool expanded);
    bool isBlockExpanded(const QString& block) const;
    // Highlights a layer (expanding its stage and block) and centres it; does not emit. False when unknown.
    bool selectLayer(const QString& layer);
    QString selectedLayer() const { return mSelectedLayer; }
    // Scene position of a layer's node centre; null when it is not drawn (tests).
    QPointF layerPosition(const QString& layer) const;

    // Top to bottom (the default) or left to right.
    void setOrientation(Qt::Orientation orientation);
    Qt::Orientation orientation() const { return mOrientation; }

    // Find: opens the field with `text` (keeping its text when empty); the next or previous match, expanding
    // what hides it, selecting and centring it (no signal); false when nothing matches.
    void openSearch(const QString& text = {});
    bool findNext(bool backwards = false);
    int searchMatchCount() const { return static_cast<int>(mMatches.size()); }
    int searchMatchIndex() const { return mMatch; }  // -1 before the first Enter
    QString searchStatus() const;
    diagram::DiagramSearchBar* searchBar() const { return mSearch; }
    diagram::DiagramMinimap* minimap() const { return mMinimap; }

    // The whole scene as drawn now (expanded blocks, selection), to an SVG or PNG file by its suffix; PNG at
    // `scale` pixels per scene unit (2: sharp on a high-DPI screen), less for a scene that would exceed 100
    // megapixels. Fails with the file and the reason.
    Expected<void> exportImage(const QString& path, qreal scale = 2) const;
    QImage renderImage(qreal scale) const;

public Q_SLOTS:
    void zoomToFit();
    void expandAll();
    void collapseAll();
    // Asks for a file and writes the diagram to it (SVG or PNG); says what failed in a message box.
    void exportDiagram();

Q_SIGNALS:
    void blockSelected(const QString& block);
    void layerSelected(const QString& layer);
    void camTargetRequested(const QString& block);
    void orientationChanged(Qt::Orientation orientation);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void rebuild();
    // Positions the nodes for the current collapsed states and redraws the edges.
    void layoutItems();
    void updateMarks();
    void fitWidth();
    void setZoom(qreal scale);
    // Lays out an expanded block's layers from `along` (the end of its node on the chain); returns where they end
    // and widens `across` to what they take beside the chain.
    qreal layoutLayers(int blockIndex, qreal along, qreal& across);
    void addEdge(const QPolygonF& path, const QString& label, bool skip = false);
    bool horizontal() const { return mOrientation == Qt::Horizontal; }
    void afterLayout();
    void updateSearch();
    // The block (or, on a stage, the stage) under a viewport position.
    diagram::DiagramBlockItem* blockAt(const QPoint& viewportPos) const;
    diagram::DiagramLayerItem* layerAt(const QPoint& viewportPos) const;
    void toggleBlock(const QString& block);
    // Index of the block holding `layer`, or -1.
    int blockOfLayer(const std::string& layer) const;
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
    std::map<std::string, diagram::DiagramLayerItem*>
        mLayerItems;                                      // by layer name, of expanded blocks; owned by mScene
    std::vector<diagram::DiagramLayerItem*> mMergeItems;  // owned by mScene
    diagram::DiagramTerminalItem* mInput = nullptr;
    diagram::DiagramTerminalItem* mOutput = nullptr;
    bool mAutoFit = true;  // fit the width on resize until the user zooms

    NetworkDescription mDescription;
    QString mSelected;
    QString mCamTarget;
    std::map<std::string, bool> mCollapsed;  // by stage name
    std::set<std::string> mExpandedBlocks;
    QString mSelectedLayer;
    QString mPlaceholder;
    Qt::Orientation mOrientation = Qt::Vertical;

    struct Match {
        int block;
        int layer;  // -1: the block itself
    };
    std::vector<Match> mMatches;
    int mMatch = -1;
    diagram::DiagramSearchBar* mSearch;
    diagram::DiagramMinimap* mMinimap;
};

}  // namespace convlens
