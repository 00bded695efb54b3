#include "ui/featuremapgrid.h"

#include "ui/channelviewdialog.h"
#include "ui/histogramwidget.h"
#include "ui/tiledelegate.h"
#include "ui/tilemodel.h"

#include <QAction>
#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {
FeatureMapGrid::FeatureMapGrid(QWidget* parent) : QWidget(parent)
{
    mTitle = new QLabel(this);
    mTitle->setTextFormat(Qt::RichText);
    QFont titleFont = mTitle->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    mTitle->setFont(titleFont);

    mShared = new QCheckBox(tr("Shared scale"), this);
    mShared->setToolTip(
        tr("One grey scale for the whole layer, so tiles compare with each other. Off: each tile uses its own "
           "range, which shows the pattern of weak channels too."));
    connect(mShared, &QCheckBox::toggled, this, [this](bool shared) {
        // A redraw: the result holds both scalings of every tile.
        mModel->setSharedScale(shared);
        if (mDialog && mDialog->isVisible() && mModel->layer())
            for (size_t i = 0; i < mModel->layer()->tiles.size(); ++i)
                if (mModel->layer()->tiles[i].channel == mDialog->channel())
                    mDialog->setChannel(mResult, mModel->layer(), static_cast<int>(i), shared);
        Q_EMIT sharedScaleToggled(shared);
    });

    mSummary = new QLabel(this);
    mSummary->setForegroundRole(QPalette::PlaceholderText);
    mSummary->setTextFormat(Qt::PlainText);

    mHistogram = new HistogramWidget(this);

    mModel = new TileModel(this);
    mView = new QListView(this);
    mView->setViewMode(QListView::IconMode);
    mView->setMovement(QListView::Static);
    mView->setResizeMode(QListView::Adjust);
    mView->setWrapping(true);
    mView->setUniformItemSizes(true);
    mView->installEventFilter(this);
    mView->setSelectionMode(QAbstractItemView::SingleSelection);
    mView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    mView->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    mView->setMouseTracking(true);
    mView->viewport()->setAttribute(Qt::WA_Hover);
    mView->setItemDelegate(new TileDelegate(mView));
    mView->setModel(mModel);
    // At least one whole row of tiles with their labels: a small window scrolls the dock, never cuts the tiles.
    mView->setMinimumHeight(TileDelegate::cellSize(font()).height() + 2 * mView->frameWidth() + 8);
    mView->setAccessibleName(tr("Feature map tiles"));
    connect(mView, &QListView::clicked, this, &FeatureMapGrid::openTile);
    auto* openAction = new QAction(tr("Open channel"), mView);
    openAction->setShortcuts({QKeySequence(Qt::Key_Return), QKeySequence(Qt::Key_Enter)});
    openAction->setShortcutContext(Qt::WidgetShortcut);
    connect(openAction, &QAction::triggered, this, [this] { openTile(mView->currentIndex()); });
    mView->addAction(openAction);

    mHint = new QLabel(this);
    mHint->setAlignment(Qt::AlignCenter);
    mHint->setWordWrap(true);
    mHint->setForegroundRole(QPalette::PlaceholderText);

    auto* header = new QHBoxLayout;
    header->setSpacing(12);
    header->addWidget(mTitle, 1);
    header->addWidget(mShared);

    auto* page = new QWidget(this);
    auto* pageLayout = new QVBoxLayout(page);
    pageLayout->setContentsMargins(8, 6, 8, 8);
    pageLayout->setSpacing(6);
    pageLayout->addLayout(header);
    pageLayout->addWidget(mSummary);
    pageLayout->addWidget(mHistogram);
    pageLayout->addSpacing(2);
    pageLayout->addWidget(mView, 1);

    mStack = new QStackedWidget(this);
    mStack->addWidget(mHint);
    mStack->addWidget(page);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(mStack);

    clear();
}

void FeatureMapGrid::setLayer(ResultPtr result, const QString& layer, bool layersComing)
{
    // A new result for the same layer (another image, or the shared scale re-run) keeps the place in the grid.
    const bool sameLayer = layer == mLayer && mModel->layer() != nullptr;
    // A partial result whose feature maps follow: the layer shown stays until they come.
    const bool coming = layersComing && result && result->layers.empty();
    if (coming && sameLayer)
        return;
    const int scrollPosition = mView->verticalScrollBar()->value();
    const int currentChannel = mView->currentIndex().data(TileModel::ChannelRole).toInt();
    const bool hadCurrent = mView->currentIndex().isValid();
    mLayer = layer;
    const LayerResult* found = nullptr;
    if (result) {
        const std::string name = layer.toStdString();
        for (const LayerResult& candidate : result->layers)
            if (candidate.name == name)
                found = &candidate;
    }
    if (!found) {
        mResult.reset();
        mModel->setLayer(nullptr, nullptr, sharedScale());
        mHistogram->clear();
        mHint->setText(!result   ? tr("Feature maps appear here after an analysis.")
                       : coming  ? tr("The feature maps follow the first map\u2026")
                       : layer.isEmpty()
                           ? tr("Select a layer in the network diagram to see its feature maps.")
                           : tr("Layer \u201c%1\u201d was not recorded in this analysis. Select it again to "
                                "analyse it.")
                                 .arg(layer));
        mStack->setCurrentWidget(mHint);
        return;
    }
    mResult = std::move(result);
    mModel->setLayer(mResult, found, sharedScale());
    int currentRow = -1;
    if (sameLayer && hadCurrent)
        for (size_t i = 0; i < found->tiles.size() && currentRow < 0; ++i)
            if (found->tiles[i].channel == currentChannel)
                currentRow = static_cast<int>(i);
    if (currentRow >= 0)
        mView->setCurrentIndex(mModel->index(currentRow));
    if (mDialog && mDialog->isVisible() && sameLayer) {
        for (size_t i = 0; i < found->tiles.size(); ++i)
            if (found->tiles[i].channel == mDialog->channel())
                mDialog->setChannel(mResult, found, static_cast<int>(i), sharedScale());
    }
    mHistogram->setHistogram(found->histogram, found->histogramMin, found->histogramMax);

    const int channels = found->shape.empty() ? 0 : static_cast<int>(found->shape.front());
    mTitle->setText(
        QStringLiteral("<b>%1</b>&nbsp;&nbsp;<span>%2</span>").arg(layer.toHtmlEscaped(), shapeText(found->shape, QStringLiteral(" × "))));
    QStringList facts;
    facts << tr("sparsity %1 %").arg(found->sparsity * 100.0, 0, 'f', 1);
    facts << (found->deadChannels == 1 ? tr("1 dead channel") : tr("%1 dead channels").arg(found->deadChannels));
    facts << tr("range %1 … %2")
                 .arg(TileModel::formatValue(found->histogramMin), TileModel::formatValue(found->histogramMax));
    if (found->tiles.empty())
        facts << tr("no tiles (not a spatial map)");
    else if (static_cast<int>(found->tiles.size()) < channels)
        facts << tr("strongest %1 of %2 channels").arg(found->tiles.size()).arg(channels);
    else
        facts << tr("all %1 channels, strongest first").arg(found->tiles.size());
    mSummary->setText(facts.join(QStringLiteral("  ·  ")));
    mStack->setCurrentWidget(mStack->widget(1));
    if (sameLayer) {
        mView->doItemsLayout();  // so the scroll range exists before the position is restored
        mView->verticalScrollBar()->setValue(scrollPosition);
    } else {
        mView->scrollToTop();
    }
}

void FeatureMapGrid::clear()
{
    setLayer(nullptr, QString());
}

int FeatureMapGrid::tileCount() const
{
    return mModel->rowCount();
}

bool FeatureMapGrid::sharedScale() const
{
    return mShared->isChecked();
}

void FeatureMapGrid::setSharedScale(bool shared)
{
    const QSignalBlocker blocker(mShared);
    mShared->setChecked(shared);
    mModel->setSharedScale(shared);
}

bool FeatureMapGrid::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == mView && (event->type() == QEvent::Resize || event->type() == QEvent::FontChange))
        spreadColumns();
    return QWidget::eventFilter(watched, event);
}

void FeatureMapGrid::spreadColumns()
{
    // The scroll bar's width is always set aside, so its appearing does not change the grid and re-layout.
    const QSize cell = TileDelegate::cellSize(mView->font());
    const int scrollBar = mView->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, mView);
    const int available = mView->width() - 2 * mView->frameWidth() - scrollBar - 2;
    const int minWidth = cell.width() + 4;
    const int columns = std::max(1, available / minWidth);
    const QSize grid(std::max(minWidth, available / columns), cell.height() + 6);
    if (grid != mView->gridSize())
        mView->setGridSize(grid);
}

ChannelViewDialog* FeatureMapGrid::channelDialog() const
{
    return mDialog;
}

void FeatureMapGrid::openTile(const QModelIndex& index)
{
    if (!index.isValid() || !mModel->layer())
        return;
    if (!mDialog) {
        mDialog = new ChannelViewDialog(this);
        mDialog->setModal(false);
        // The grid follows the large view's Previous/Next: selection = shown.
        connect(mDialog, &ChannelViewDialog::tileChanged, this, [this](int tile) {
            const QModelIndex index = mModel->index(tile, 0);
            mView->setCurrentIndex(index);
            mView->scrollTo(index);
        });
    }
    mDialog->setChannel(mResult, mModel->layer(), index.row(), sharedScale());
    mDialog->show();
    mDialog->raise();
    mDialog->activateWindow();
    Q_EMIT channelActivated(mLayer, index.data(TileModel::ChannelRole).toInt());
}

}  // namespace convlens
