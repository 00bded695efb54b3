#pragma once
// NetworkDiagram: the network drawn from a NetworkDescription (core/inspect/networkdescription.h) on a
// QGraphicsScene: one node per block, grouped in stage frames coloured by the registry's categories; stages
// collapse to one node and expand again (double-click the stage header, or expandAll/collapseAll); output shapes
// written on the edges; zoom with the wheel, zoomToFit. The scene owns its items by block name.
// Clicking a block selects it (blockSelected); its context menu offers "Use as Grad-CAM target"
// (camTargetRequested) and "Show feature maps" (blockSelected). GUI thread only.

#include "core/inspect/networkdescription.h"

#include <QGraphicsView>
#include <QString>

#include <map>
#include <string>

namespace convlens {

class NetworkDiagram : public QGraphicsView {
    Q_OBJECT

public:
    explicit NetworkDiagram(QWidget* parent = nullptr);

    void setDescription(const NetworkDescription& description);
    void clear();
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

private:
    void rebuild();

    NetworkDescription mDescription;
    QString mSelected;
    QString mCamTarget;
    std::map<std::string, bool> mCollapsed;  // by stage name
};

}  // namespace convlens
