#include "ui/diagramlayeritem.h"

#include "ui/diagramstyle.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPath>

namespace convlens::diagram {

namespace {

QString html(const std::string& text)
{
    return QString::fromStdString(text).toHtmlEscaped();
}

}  // namespace

DiagramLayerItem::DiagramLayerItem(const LayerDescription& layer, const QColor& categoryColor)
    : mTitle(QString::fromStdString(layer.type)), mDetail(QString::fromStdString(layer.details)), mColor(categoryColor)
{
    QString tip = QStringLiteral("<b>%1</b> &nbsp;%2").arg(html(layer.name), html(layer.type));
    if (!layer.container.empty())
        tip += QStringLiteral("<br>in %1").arg(html(layer.container));
    if (!layer.details.empty())
        tip += QStringLiteral("<br>%1").arg(html(layer.details));
    if (!layer.outputShape.empty())
        tip += QStringLiteral("<br>output %1").arg(formatShape(layer.outputShape));
    if (layer.parameters > 0)
        tip += QStringLiteral("<br>%1 parameters").arg(formatGrouped(layer.parameters));
    setToolTip(tip);
    if (layer.container == "SqueezeExcitation")  // its layers see the pooled 1×1 map: say which part they are
        mDetail = mDetail.isEmpty() ? QStringLiteral("squeeze-excitation")
                                    : QStringLiteral("squeeze-excitation · %1").arg(mDetail);
    setData(kKindRole, static_cast<int>(ItemKind::Layer));
    setData(kNameRole, QString::fromStdString(layer.name));
    setAcceptedMouseButtons(Qt::NoButton);  // the view handles clicks
    setZValue(2);
}

DiagramLayerItem::DiagramLayerItem(const BlockDescription& block, const QString& name) : mMerge(true)
{
    if (block.merge == MergeKind::Add) {
        mTitle = QStringLiteral("add");
        setToolTip(QStringLiteral("<b>%1</b><br>residual connection: the shortcut's output added to the layers'")
                       .arg(name.toHtmlEscaped()));
    } else {
        mTitle = block.channelShuffle ? QStringLiteral("concat, shuffle") : QStringLiteral("concat");
        setToolTip(QStringLiteral("<b>%1</b><br>%2")
                       .arg(name.toHtmlEscaped(),
                            block.channelShuffle
                                ? QStringLiteral("the two paths concatenated along the channels, then shuffled")
                                : QStringLiteral("the layers' output concatenated to their input (dense connection)")));
    }
    setData(kKindRole, static_cast<int>(ItemKind::Merge));
    setData(kNameRole, name);
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(2);
}

QRectF DiagramLayerItem::boundingRect() const
{
    const QSizeF s = size();
    return QRectF(-1.5, -1.5, s.width() + 3, s.height() + 3);
}

void DiagramLayerItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const QPalette palette = scene() ? scene()->palette() : QPalette();
    const QFont base = scene() ? scene()->font() : QFont();
    const QColor baseColor = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    const QColor highlight = palette.color(QPalette::Highlight);
    painter->setRenderHint(QPainter::Antialiasing);

    if (mMerge) {
        const QRectF pill(QPointF(0, 0), mergeSize());
        painter->setBrush(palette.color(QPalette::AlternateBase));
        painter->setPen(QPen(mix(mix(text, highlight, 0.7), baseColor, 0.2), 1.3));
        painter->drawRoundedRect(pill, kMergeHeight / 2, kMergeHeight / 2);
        painter->setFont(titleFont(detailFont(base)));
        painter->setPen(text);
        painter->drawText(pill, Qt::AlignCenter, mTitle);
        return;
    }

    const QRectF node(QPointF(0, 0), layerSize());
    QColor fill = mix(baseColor, mColor, 0.04);
    if (mSelected)
        fill = mix(baseColor, highlight, 0.22);
    painter->setBrush(fill);
    painter->setPen(mSelected ? QPen(highlight, 2.0) : QPen(mix(text, baseColor, 0.7), 1.0));
    painter->drawRoundedRect(node, 4, 4);
    QPainterPath shape;
    shape.addRoundedRect(node.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    painter->save();
    painter->setClipPath(shape);
    painter->fillRect(QRectF(0, 0, 3, node.height()), mix(mColor, baseColor, 0.3));
    painter->restore();

    const QFont title = detailFont(titleFont(base));
    const QFont detail = detailFont(detailFont(base));
    const QFontMetricsF titleMetrics(title);
    const QFontMetricsF detailMetrics(detail);
    const QRectF area = node.adjusted(10, 0, -8, 0);
    const qreal titleWidth = titleMetrics.horizontalAdvance(mTitle);
    painter->setFont(title);
    painter->setPen(text);
    if (mDetail.isEmpty()) {
        painter->drawText(area, Qt::AlignLeft | Qt::AlignVCenter,
                          titleMetrics.elidedText(mTitle, Qt::ElideRight, area.width()));
        return;
    }
    // Type and options on one line when they fit, else on two.
    const qreal detailWidth = detailMetrics.horizontalAdvance(mDetail);
    if (titleWidth + 8 + detailWidth <= area.width()) {
        painter->drawText(area, Qt::AlignLeft | Qt::AlignVCenter, mTitle);
        painter->setFont(detail);
        painter->setPen(secondaryText(palette));
        painter->drawText(area.adjusted(titleWidth + 8, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, mDetail);
        return;
    }
    const qreal lines = titleMetrics.height() + detailMetrics.height();
    const qreal top = (node.height() - lines) / 2;
    painter->drawText(QRectF(area.left(), top, area.width(), titleMetrics.height()), Qt::AlignLeft | Qt::AlignVCenter,
                      titleMetrics.elidedText(mTitle, Qt::ElideRight, area.width()));
    painter->setFont(detail);
    painter->setPen(secondaryText(palette));
    painter->drawText(QRectF(area.left(), top + titleMetrics.height(), area.width(), detailMetrics.height()),
                      Qt::AlignLeft | Qt::AlignVCenter,
                      detailMetrics.elidedText(mDetail, Qt::ElideRight, area.width()));
}

void DiagramLayerItem::setSelectedLayer(bool selected)
{
    if (selected == mSelected)
        return;
    mSelected = selected;
    update();
}

}  // namespace convlens::diagram
