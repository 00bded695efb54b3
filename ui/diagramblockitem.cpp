#include "ui/diagramblockitem.h"

#include "ui/diagramstyle.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPath>

namespace convlens::diagram {

namespace {

QString tooltipFor(const BlockDescription& block)
{
    QString text =
        QStringLiteral("<b>%1</b> &nbsp;%2<br>stage %3 (%4)<br>output %5<br>%6 parameters")
            .arg(QString::fromStdString(block.name).toHtmlEscaped(), QString::fromStdString(block.type).toHtmlEscaped(),
                 QString::fromStdString(block.stage).toHtmlEscaped(),
                 QString::fromStdString(block.category).toHtmlEscaped(), formatShape(block.outputShape),
                 formatGrouped(block.parameters));
    if (block.isTap)
        text += QStringLiteral("<br>feature maps shown by default");
    if (block.merge == MergeKind::Add)
        text += block.shortcutLayers.empty() ? QStringLiteral("<br>residual: adds its input")
                                             : QStringLiteral("<br>residual: adds its downsampled input");
    else if (block.merge == MergeKind::Concat)
        text += block.mergeUnits.empty() ? QStringLiteral("<br>concatenates its two paths")
                                         : QStringLiteral("<br>dense: each layer's output concatenated to its input");
    if (block.layers.size() >= 2)
        text += QStringLiteral("<br><i>double-click to show or hide its %1 layers</i>").arg(block.layers.size());
    return text;
}

}  // namespace

DiagramBlockItem::DiagramBlockItem(const BlockDescription& block, const QColor& categoryColor)
    : mName(QString::fromStdString(block.name)),
      mType(QString::fromStdString(block.type)),
      mParameters(block.parameters > 0 ? formatCount(block.parameters) : QString()),
      mColor(categoryColor),
      mCamTarget(block.isCamTarget),
      mExpandable(block.layers.size() >= 2)
{
    setData(kKindRole, static_cast<int>(ItemKind::Block));
    setData(kNameRole, mName);
    setToolTip(tooltipFor(block));
    setAcceptedMouseButtons(Qt::NoButton);  // the view handles clicks (selection, context menu)
    setZValue(2);
}

QRectF DiagramBlockItem::boundingRect() const
{
    return QRectF(-1.5, -1.5, kNodeWidth + 3, kNodeHeight + 3);
}

void DiagramBlockItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QFont base = scene() ? scene()->font() : QFont();
    const QRectF node(0, 0, kNodeWidth, kNodeHeight);
    const QColor highlight = palette.color(QPalette::Highlight);
    const QColor baseColor = palette.color(QPalette::Base);

    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill = mix(baseColor, mColor, 0.07);
    if (mSelected)
        fill = mix(baseColor, highlight, 0.22);
    painter->setBrush(fill);
    painter->setPen(mSelected ? QPen(highlight, 2.2) : QPen(mix(mColor, baseColor, 0.35), 1.0));
    painter->drawRoundedRect(node, kNodeRadius, kNodeRadius);

    // Category stripe along the left edge, clipped to the node's rounded shape.
    QPainterPath shape;
    shape.addRoundedRect(node.adjusted(0.5, 0.5, -0.5, -0.5), kNodeRadius, kNodeRadius);
    painter->save();
    painter->setClipPath(shape);
    painter->fillRect(QRectF(0, 0, 5, kNodeHeight), mColor);
    painter->restore();

    const QFont title = titleFont(base);
    const QFont detail = detailFont(base);
    const QRectF text(14, 4, kNodeWidth - 10 - 14, kNodeHeight - 8);
    const QFontMetricsF titleMetrics(title);
    const QFontMetricsF detailMetrics(detail);
    const qreal lines = titleMetrics.height() + detailMetrics.height();
    const qreal top = text.top() + (text.height() - lines) / 2;

    painter->setFont(title);
    painter->setPen(palette.color(QPalette::Text));
    const qreal titleWidth = text.width() - (mCamTarget ? kBadgeRoom - 4 : 0);
    painter->drawText(QRectF(text.left(), top, titleWidth, titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      titleMetrics.elidedText(mName, Qt::ElideMiddle, titleWidth));
    painter->setFont(detail);
    painter->setPen(secondaryText(palette));
    const QRectF detailLine(text.left(), top + titleMetrics.height(), text.width(), detailMetrics.height());
    qreal typeWidth = detailLine.width();
    if (!mParameters.isEmpty()) {
        // The parameter count, right-aligned on the type's line (under the badge's column when there is one).
        const QRectF countLine(text.left(), detailLine.top(), kNodeWidth - 10 - text.left(), detailLine.height());
        painter->drawText(countLine, Qt::AlignRight | Qt::AlignVCenter, mParameters);
        typeWidth = countLine.width() - detailMetrics.horizontalAdvance(mParameters) - 8;
    }
    painter->drawText(detailLine, Qt::AlignLeft | Qt::AlignVCenter,
                      detailMetrics.elidedText(mType, Qt::ElideRight, typeWidth));

    if (mCamTarget)  // on the name's line, right-aligned like the parameter count below it
        paintCamBadge(painter, QRectF(0, top, kNodeWidth - 2, titleMetrics.height()), detailFont(detail));

    if (mExpandable) {
        const QPointF c(kNodeWidth / 2, kNodeHeight - 4.5);
        QPolygonF chevron;
        if (mExpanded)
            chevron << c + QPointF(-4, -1.5) << c + QPointF(4, -1.5) << c + QPointF(0, 2);
        else
            chevron << c + QPointF(-1.5, -3) << c + QPointF(2.5, 0) << c + QPointF(-1.5, 3);
        painter->setPen(Qt::NoPen);
        painter->setBrush(mix(palette.color(QPalette::Text), baseColor, 0.5));
        painter->drawPolygon(chevron);
    }
}

void DiagramBlockItem::setExpanded(bool expanded)
{
    if (expanded == mExpanded)
        return;
    mExpanded = expanded;
    update();
}

void DiagramBlockItem::setSelectedBlock(bool selected)
{
    if (selected == mSelected)
        return;
    mSelected = selected;
    update();
}

void DiagramBlockItem::setCamTarget(bool camTarget)
{
    if (camTarget == mCamTarget)
        return;
    mCamTarget = camTarget;
    update();
}

}  // namespace convlens::diagram
