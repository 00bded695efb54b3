#include "ui/accuracypanel.h"

#include <QComboBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPixmap>
#include <QSignalBlocker>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kIconSize = 40;

QString percent(double rate)
{
    return QStringLiteral("%1%").arg(100.0 * rate, 0, 'f', 1);
}

QLabel* heading(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

}  // namespace

AccuracyPanel::AccuracyPanel(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);

    auto* title = heading(tr("Accuracy"), this);
    mModel = new QComboBox(this);
    mModel->setAccessibleName(tr("Model whose accuracy is shown"));
    mModelName = new QLabel(this);
    mModelName->setForegroundRole(QPalette::PlaceholderText);
    connect(mModel, &QComboBox::currentIndexChanged, this, &AccuracyPanel::showModel);

    QFont big = font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    mTop1 = new QLabel(this);
    mTop1->setFont(big);
    mTop5 = new QLabel(this);
    mTop5->setFont(big);
    auto* figures = new QHBoxLayout;
    figures->setSpacing(16);
    figures->addWidget(mTop1);
    figures->addWidget(mTop5);
    figures->addStretch(1);
    mNote = new QLabel(this);
    mNote->setWordWrap(true);
    mNote->setForegroundRole(QPalette::PlaceholderText);

    mClasses = new QTreeWidget(this);
    mClasses->setRootIsDecorated(false);
    mClasses->setUniformRowHeights(true);
    mClasses->setHeaderLabels({tr("Class"), tr("Images"), tr("Top-1"), tr("Top-5")});
    mClasses->header()->setStretchLastSection(false);
    mClasses->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int column = 1; column < 4; ++column)
        mClasses->header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    mClasses->setSortingEnabled(true);
    mClasses->sortByColumn(0, Qt::AscendingOrder);
    mClasses->setAccessibleName(tr("Accuracy per class"));

    mFailures = new QListWidget(this);
    mFailures->setIconSize(QSize(kIconSize, kIconSize));
    mFailures->setUniformItemSizes(true);
    mFailures->setWordWrap(false);
    mFailures->setTextElideMode(Qt::ElideRight);
    mFailures->setAccessibleName(tr("Failure cases"));
    mFailures->setToolTip(tr("Wrong top-1 classes, the most confident first. Click one to see its heatmaps."));
    connect(mFailures, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { activateFailure(mFailures->row(item)); });
    connect(mFailures, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { activateFailure(mFailures->row(item)); });

    auto* header = new QHBoxLayout;
    header->addWidget(title);
    header->addStretch(1);
    header->addWidget(mModel);
    header->addWidget(mModelName);
    layout->addLayout(header);
    layout->addLayout(figures);
    layout->addWidget(mNote);
    layout->addWidget(heading(tr("Per class"), this));
    layout->addWidget(mClasses, 2);
    layout->addWidget(heading(tr("Failure cases"), this));
    layout->addWidget(mFailures, 3);
    clear();
}

void AccuracyPanel::setModels(const std::vector<std::pair<std::string, QString>>& models)
{
    const QString shown = shownModel();
    mModels = models;
    {
        const QSignalBlocker blocker(mModel);
        mModel->clear();
        for (const auto& [id, name] : models)
            mModel->addItem(name, QString::fromStdString(id));
        const int index = mModel->findData(shown);
        mModel->setCurrentIndex(index >= 0 ? index : 0);
    }
    mModel->setVisible(models.size() > 1);
    mModelName->setVisible(models.size() == 1);
    mModelName->setText(models.size() == 1 ? models.front().second : QString());
    showModel();
}

void AccuracyPanel::setAccuracy(const std::vector<ModelAccuracy>& accuracy, const Thumbnail& thumbnail)
{
    mAccuracy = accuracy;
    mThumbnail = thumbnail;
    showModel();
}

void AccuracyPanel::clear()
{
    mAccuracy.clear();
    showModel();
}

QString AccuracyPanel::shownModel() const
{
    return mModel->currentData().toString();
}

int AccuracyPanel::failureCount() const
{
    return mFailures->count();
}

QString AccuracyPanel::failureFile(int row) const
{
    const QListWidgetItem* item = mFailures->item(row);
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void AccuracyPanel::activateFailure(int row)
{
    const QString file = failureFile(row);
    if (!file.isEmpty())
        Q_EMIT failureActivated(file, shownModel());
}

void AccuracyPanel::showModel()
{
    const std::string id = shownModel().toStdString();
    const auto it = std::find_if(mAccuracy.begin(), mAccuracy.end(),
                                 [&id](const ModelAccuracy& model) { return model.modelId == id; });
    mClasses->setSortingEnabled(false);
    mClasses->clear();
    mFailures->clear();
    if (it == mAccuracy.end() || it->withTruth == 0) {
        mTop1->setText(tr("Top-1 —"));
        mTop5->setText(tr("Top-5 —"));
        mNote->setText(tr("No image with a known class yet."));
        mClasses->setSortingEnabled(true);
        return;
    }
    const ModelAccuracy& model = *it;
    mTop1->setText(tr("Top-1 %1").arg(percent(model.top1Rate())));
    mTop5->setText(tr("Top-5 %1").arg(percent(model.top5Rate())));
    mTop1->setToolTip(tr("%1 of %2 images").arg(model.top1).arg(model.withTruth));
    mTop5->setToolTip(tr("%1 of %2 images").arg(model.top5).arg(model.withTruth));
    const int unknown = model.records - model.failed - model.withTruth;
    QStringList note{tr("%1 right of %2 images with a known class.").arg(model.top1).arg(model.withTruth)};
    if (unknown > 0)
        note << tr("%1 without a known class are not counted.").arg(unknown);
    if (model.failed > 0)
        note << tr("%1 could not be read.").arg(model.failed);
    mNote->setText(note.join(QLatin1Char(' ')));

    for (const ClassAccuracy& c : model.perClass) {
        auto* item = new QTreeWidgetItem(mClasses);
        item->setText(0, QString::fromStdString(c.label));
        item->setToolTip(0, tr("%1 (class %2)").arg(QString::fromStdString(c.label)).arg(c.classIndex));
        item->setText(1, QString::number(c.images));
        item->setText(2, c.images ? percent(double(c.top1) / c.images) : QString());
        item->setText(3, c.images ? percent(double(c.top5) / c.images) : QString());
        for (int column = 1; column < 4; ++column)
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
    }
    mClasses->setSortingEnabled(true);

    for (const FailureCase& failure : model.failures) {
        auto* item = new QListWidgetItem(mFailures);
        item->setText(tr("%1\n%2 %3 · truth %4")
                          .arg(QFileInfo(failure.file).fileName(), QString::fromStdString(failure.predictedLabel))
                          .arg(percent(failure.confidence), QString::fromStdString(failure.truthLabel)));
        item->setToolTip(tr("%1: predicted %2 (%3), the truth is %4")
                             .arg(failure.file, QString::fromStdString(failure.predictedLabel),
                                  percent(failure.confidence), QString::fromStdString(failure.truthLabel)));
        item->setData(Qt::UserRole, failure.file);
        if (mThumbnail) {
            const QImage thumb = mThumbnail(failure.file);
            if (!thumb.isNull())
                item->setIcon(QPixmap::fromImage(
                    thumb.scaled(kIconSize, kIconSize, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
        }
    }
}

}  // namespace convlens
