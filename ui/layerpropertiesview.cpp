#include "ui/layerpropertiesview.h"

#include "ui/diagramstyle.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace convlens {

namespace {

using diagram::formatCount;
using diagram::formatShape;

enum Column { Name, Type, Details, Weight, Output, Parameters, Macs, ColumnCount };

}  // namespace

LayerPropertiesView::LayerPropertiesView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 4, 6, 4);
    layout->setSpacing(4);
    mSummary = new QLabel(this);
    mSummary->setWordWrap(true);
    mSummary->setTextFormat(Qt::RichText);
    mSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mTable = new QTreeWidget(this);
    mTable->setColumnCount(ColumnCount);
    mTable->setHeaderLabels({tr("Layer"), tr("Type"), tr("Options"), tr("Weight"), tr("Output"), tr("Params"),
                             tr("Mult-adds")});
    mTable->setRootIsDecorated(false);
    mTable->setUniformRowHeights(true);
    mTable->setAlternatingRowColors(true);
    mTable->setSelectionMode(QAbstractItemView::SingleSelection);
    mTable->header()->setStretchLastSection(false);
    mTable->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    mTable->setMinimumHeight(32);  // the splitter gives it room; a 720-pixel screen has little to spare
    layout->addWidget(mSummary);
    layout->addWidget(mTable, 1);
    setDescription(nullptr);
}

QString LayerPropertiesView::formatMacs(int64_t macs)
{
    if (macs >= 1'000'000'000)
        return QStringLiteral("%1 G").arg(static_cast<double>(macs) / 1e9, 0, 'f', 2);
    return formatCount(macs);
}

void LayerPropertiesView::setDescription(std::shared_ptr<const NetworkDescription> description)
{
    mDescription = std::move(description);
    showBlock(mBlock);
}

QString LayerPropertiesView::summary() const
{
    return mSummary->text();
}

void LayerPropertiesView::showBlock(const QString& block)
{
    mBlock = block;
    mTable->clear();
    if (!mDescription) {
        mSummary->setText(tr("Select a block in the diagram to see its layers."));
        return;
    }
    const NetworkDescription& d = *mDescription;
    const QString network = tr("%1: %2 parameters, %3 multiply-adds at %4")
                                .arg(QString::fromStdString(d.displayName), formatCount(d.parameters),
                                     formatMacs(d.macs), formatShape(d.inputShape));
    const int index = d.indexOf(block.toStdString());
    if (index < 0) {
        mSummary->setText(network + QStringLiteral("<br>") + tr("Select a block to see its layers."));
        return;
    }
    const BlockDescription& b = d.blocks[static_cast<size_t>(index)];
    int stageIndex = -1;
    for (size_t s = 0; s < d.stages.size(); ++s)
        if (d.stages[s].name == b.stage)
            stageIndex = static_cast<int>(s);
    QString text = tr("<b>%1</b> · %2 · output %3 · %4 parameters · %5 multiply-adds")
                       .arg(QString::fromStdString(b.name).toHtmlEscaped(),
                            QString::fromStdString(b.type).toHtmlEscaped(), formatShape(b.outputShape),
                            formatCount(b.parameters), formatMacs(b.macs));
    if (stageIndex >= 0)
        text += QStringLiteral("<br>") + tr("Stage %1: %2 parameters, %3 multiply-adds")
                                             .arg(QString::fromStdString(b.stage).toHtmlEscaped(),
                                                  formatCount(d.stageParameters(stageIndex)),
                                                  formatMacs(d.stageMacs(stageIndex)));
    text += QStringLiteral("<br>") + network;
    mSummary->setText(text);

    const QString prefix = QString::fromStdString(b.name) + QLatin1Char('.');
    for (const LayerDescription& layer : b.layers) {
        QString name = QString::fromStdString(layer.name);
        if (name.startsWith(prefix))
            name = name.mid(prefix.size());  // the block is said above
        auto* item = new QTreeWidgetItem(mTable);
        item->setText(Name, name);
        item->setToolTip(Name, QString::fromStdString(layer.name));
        item->setText(Type, QString::fromStdString(layer.type));
        item->setText(Details, QString::fromStdString(layer.details));
        item->setText(Weight, formatShape(layer.weightShape) +
                                  (layer.biasShape.empty() ? QString()
                                                           : tr(" + bias %1").arg(formatShape(layer.biasShape))));
        item->setText(Output, formatShape(layer.outputShape));
        item->setText(Parameters, layer.parameters > 0 ? formatCount(layer.parameters) : QString());
        item->setText(Macs, layer.macs > 0 ? formatMacs(layer.macs) : QString());
        item->setTextAlignment(Parameters, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(Macs, Qt::AlignRight | Qt::AlignVCenter);
    }
}

}  // namespace convlens
