#include "ui/diagramstageitem.h"

#include "ui/diagramstyle.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPath>

namespace convlens::diagram {

namespace {

// "Bottleneck ×6" when every block has the same type, else the types in order of first appearance.
QString typeSummary(const NetworkDescription& description, const StageDescription& stage)
{
    std::vector<std::string> types;
    for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i) {
        const std::string& type = description.blocks[i].type;
        if (std::find(types.begin(), types.end(), type) == types.end())
            types.push_back(type);
    }
    if (types.size() == 1)
        return stage.blockCount > 1 ? QStringLiteral("%1 %2%3")
                                          .arg(QString::fromStdString(types.front()))
                                          .arg(QChar(0x00D7))
                                          .arg(stage.blockCount)
                                    : QString::fromStdString(types.front());
    QStringList names;
    for (const std::string& type : types)
        names << QString::fromStdString(type);
    return names.join(QStringLiteral(", "));
}

void paintChevron(QPainter* painter, const QPointF& centre, bool collapsed, const QColor& color)
{
    QPolygonF triangle;
    if (collapsed)
        triangle << centre + QPointF(-2.5, -4.5) << centre + QPointF(3.5, 0) << centre + QPointF(-2.5, 4.5);
    else
        triangle << centre + QPointF(-4.5, -2.5) << centre + QPointF(4.5, -2.5) << centre + QPointF(0, 3.5);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPolygon(triangle);
}

}  // namespace

DiagramStageItem::DiagramStageItem(const NetworkDescription& description, const StageDescription& stage)
    : mName(QString::fromStdString(stage.name)),
      mCountText(stage.blockCount == 1 ? QStringLiteral("1 block") : QStringLiteral("%1 blocks").arg(stage.blockCount)),
      mColor(QColor(QString::fromStdString(stage.color))),
      mCompact(stage.blockCount == 1),
      mSingle(stage.blockCount == 1)
{
    if (!mColor.isValid())
        mColor = QColor(0x80, 0x80, 0x80);
    int64_t parameters = 0;
    for (int i = stage.firstBlock; i < stage.firstBlock + stage.blockCount; ++i)
        parameters += description.blocks[i].parameters;
    mSummary = typeSummary(description, stage);
    if (mCompact) {
        // The header's right side names the block instead of counting it, unless the stage is named after it.
        const std::string& block = description.blocks[stage.firstBlock].name;
        mCountText = block != stage.name ? QString::fromStdString(block) : QString();
    }
    if (parameters > 0)
        mSummary += QStringLiteral(" · %1 params").arg(formatCount(parameters));

    QString shape;
    if (stage.blockCount > 0)
        shape = formatShape(description.blocks[stage.firstBlock + stage.blockCount - 1].outputShape);
    setToolTip(QStringLiteral("<b>%1</b> &nbsp;%2<br>%3, %4<br>output %5<br>%6 parameters<br>"
                              "<i>double-click the header to collapse or expand</i>")
                   .arg(mName.toHtmlEscaped(), QString::fromStdString(stage.category).toHtmlEscaped(), mCountText,
                        typeSummary(description, stage).toHtmlEscaped(), shape, formatGrouped(parameters)));
    setData(kKindRole, static_cast<int>(ItemKind::Stage));
    setData(kNameRole, mName);
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(0);
}

QRectF DiagramStageItem::boundingRect() const
{
    return QRectF(-1.5, -1.5, width() + 3, height() + 3);
}

qreal DiagramStageItem::height() const
{
    return isNode() ? kCollapsedHeight : mFrameSize.height();
}

qreal DiagramStageItem::width() const
{
    return isNode() ? kFrameWidth : mFrameSize.width();
}

void DiagramStageItem::setCollapsed(bool collapsed)
{
    if (collapsed == mCollapsed)
        return;
    prepareGeometryChange();
    mCollapsed = collapsed;
    update();
}

void DiagramStageItem::setCompact(bool compact)
{
    compact = compact && mSingle;
    if (compact == mCompact)
        return;
    prepareGeometryChange();
    mCompact = compact;
    update();
}

void DiagramStageItem::setFrameSize(const QSizeF& size)
{
    if (size == mFrameSize)
        return;
    prepareGeometryChange();
    mFrameSize = size;
}

void DiagramStageItem::setHoldsSelection(bool holds)
{
    if (holds == mHoldsSelection)
        return;
    mHoldsSelection = holds;
    update();
}

void DiagramStageItem::setHoldsCamTarget(bool holds)
{
    if (holds == mHoldsCamTarget)
        return;
    mHoldsCamTarget = holds;
    update();
}

bool DiagramStageItem::isOnHeader(const QPointF& scenePos) const
{
    const QPointF local = mapFromScene(scenePos);
    const qreal bottom = isNode() ? kCollapsedHeight : kHeaderHeight;
    return local.x() >= 0 && local.x() <= width() && local.y() >= 0 && local.y() <= bottom;
}

void DiagramStageItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QFont base = scene() ? scene()->font() : QFont();
    const QColor baseColor = palette.color(QPalette::Base);
    const QColor highlight = palette.color(QPalette::Highlight);
    const qreal frameWidth = width();
    const QRectF frame(0, 0, frameWidth, height());
    const bool selected = isNode() && mHoldsSelection;

    painter->setRenderHint(QPainter::Antialiasing);
    QPainterPath outline;
    outline.addRoundedRect(frame, kFrameRadius, kFrameRadius);
    QColor body = mix(baseColor, mColor, isNode() ? 0.07 : 0.10);
    if (selected)
        body = mix(baseColor, highlight, 0.22);
    painter->fillPath(outline, body);

    // Header band in the category colour.
    painter->save();
    painter->setClipPath(outline);
    painter->fillRect(QRectF(0, 0, frameWidth, kHeaderHeight), mColor);
    painter->restore();

    painter->setBrush(Qt::NoBrush);
    painter->setPen(selected ? QPen(highlight, 2.2) : QPen(mix(mColor, baseColor, 0.15), 1.2));
    painter->drawPath(outline);

    const QColor onHeader = textOn(mColor);
    if (!mCompact)
        paintChevron(painter, QPointF(14, kHeaderHeight / 2), mCollapsed, onHeader);

    const QFont title = titleFont(base);
    const QFont detail = detailFont(base);
    const QFontMetricsF detailMetrics(detail);
    const qreal countWidth = detailMetrics.horizontalAdvance(mCountText);
    painter->setFont(detail);
    painter->setPen(onHeader);
    const QRectF countRect(frameWidth - 10 - countWidth, 0, countWidth, kHeaderHeight);
    painter->drawText(countRect, Qt::AlignRight | Qt::AlignVCenter, mCountText);
    painter->setFont(title);
    const qreal nameLeft = mCompact ? 12 : 26;
    const QRectF nameRect(nameLeft, 0, countRect.left() - 8 - nameLeft, kHeaderHeight);
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetricsF(title).elidedText(mName, Qt::ElideMiddle, nameRect.width()));

    if (isNode()) {
        const QRectF line(0, kHeaderHeight, kFrameWidth, kCollapsedHeight - kHeaderHeight);
        const qreal right = kFrameWidth - (mHoldsCamTarget ? kBadgeRoom + 6 : 10);
        const QRectF text(12, line.top(), right - 12, line.height());
        painter->setFont(detail);
        painter->setPen(palette.color(QPalette::Text));
        painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter,
                          detailMetrics.elidedText(mSummary, Qt::ElideRight, text.width()));
        if (mHoldsCamTarget)
            paintCamBadge(painter, line, detailFont(detail));
    }
}

}  // namespace convlens::diagram
