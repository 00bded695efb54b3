#include "ui/predictionlist.h"

#include "ui/predictiondelegate.h"

#include <QLabel>
#include <QListWidget>
#include <QSignalBlocker>
#include <QStackedLayout>

namespace convlens {

PredictionList::PredictionList(QWidget* parent) : QWidget(parent)
{
    mList = new QListWidget(this);
    mList->setItemDelegate(new PredictionDelegate(mList));
    mList->setSelectionMode(QAbstractItemView::SingleSelection);
    mList->setUniformItemSizes(true);
    mList->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    mList->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    mList->setFrameShape(QFrame::NoFrame);
    mList->setMouseTracking(true);
    mList->viewport()->setAttribute(Qt::WA_Hover);
    mList->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    mList->setAccessibleName(tr("Top predictions"));

    mPlaceholder = new QLabel(tr("No predictions yet"), this);
    mPlaceholder->setAlignment(Qt::AlignCenter);
    mPlaceholder->setForegroundRole(QPalette::PlaceholderText);
    mPlaceholder->setWordWrap(true);

    mStack = new QStackedLayout(this);
    mStack->setContentsMargins(0, 0, 0, 0);
    mStack->addWidget(mPlaceholder);
    mStack->addWidget(mList);

    // currentRowChanged covers both a click and the arrow keys; programmatic changes block it.
    connect(mList, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row < static_cast<int>(mPrediction.top.size()))
            Q_EMIT classSelected(mPrediction.top[static_cast<size_t>(row)].index);
    });
}

void PredictionList::setPrediction(const Prediction& prediction)
{
    const QSignalBlocker blocker(mList);
    mList->clear();
    mPrediction = prediction;
    int rank = 1;
    for (const ClassScore& score : mPrediction.top) {
        auto* item = new QListWidgetItem(QString::fromStdString(score.label), mList);
        item->setData(PredictionDelegate::ClassIndexRole, score.index);
        item->setData(PredictionDelegate::ProbabilityRole, score.probability);
        item->setData(PredictionDelegate::RankRole, rank++);
        item->setToolTip(tr("%1\nclass %2 · probability %3")
                             .arg(QString::fromStdString(score.label))
                             .arg(score.index)
                             .arg(PredictionDelegate::percentText(score.probability)));
    }
    if (mList->count() > 0)
        mList->setCurrentRow(0);
    mStack->setCurrentWidget(mList->count() > 0 ? static_cast<QWidget*>(mList) : mPlaceholder);
    updateGeometry();
}

void PredictionList::clear()
{
    setPrediction(Prediction{});
}

bool PredictionList::selectClass(int classIndex)
{
    for (int row = 0; row < mList->count(); ++row) {
        if (mList->item(row)->data(PredictionDelegate::ClassIndexRole).toInt() == classIndex) {
            const QSignalBlocker blocker(mList);
            mList->setCurrentRow(row);
            return true;
        }
    }
    const QSignalBlocker blocker(mList);
    mList->clearSelection();
    mList->setCurrentRow(-1);
    return false;
}

int PredictionList::selectedClass() const
{
    const QListWidgetItem* item = mList->currentItem();
    return item && item->isSelected() ? item->data(PredictionDelegate::ClassIndexRole).toInt() : -1;
}

int PredictionList::rowCount() const
{
    return mList->count();
}

void PredictionList::setPlaceholderText(const QString& text)
{
    mPlaceholder->setText(text);
}

}  // namespace convlens
