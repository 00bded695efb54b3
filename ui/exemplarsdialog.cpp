#include "ui/exemplarsdialog.h"

#include "core/report/batchsheets.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QVBoxLayout>

namespace convlens {

namespace {

constexpr int kThumbSize = 92;

}  // namespace

ExemplarsDialog::ExemplarsDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Dataset Examples"));
    auto* layout = new QVBoxLayout(this);
    mTitle = new QLabel(this);
    mTitle->setWordWrap(true);
    mList = new QListWidget(this);
    mList->setViewMode(QListView::IconMode);
    mList->setIconSize(QSize(kThumbSize, kThumbSize));
    mList->setGridSize(QSize(kThumbSize + 22, kThumbSize + 42));
    mList->setResizeMode(QListView::Adjust);
    mList->setMovement(QListView::Static);
    mList->setWordWrap(true);  // the name, then the mean, on lines of their own
    mList->setTextElideMode(Qt::ElideMiddle);
    mList->setAccessibleName(tr("Images that excite the channel most"));
    connect(mList, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        const QString path = mPathOf ? mPathOf(item->data(Qt::UserRole).toString()) : QString();
        if (!path.isEmpty())
            Q_EMIT imageRequested(path);
    });

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    mExport = buttons->addButton(tr("Export Sheet…"), QDialogButtonBox::ActionRole);
    connect(mExport, &QPushButton::clicked, this, &ExemplarsDialog::exportSheet);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    layout->addWidget(mTitle);
    layout->addWidget(mList, 1);
    layout->addWidget(buttons);
    // Three columns of three: the nine examples a channel keeps by default.
    resize(3 * (kThumbSize + 22) + 48, 3 * (kThumbSize + 42) + 120);
}

void ExemplarsDialog::setChannel(const ChannelExemplars& exemplars, int channel, const QString& modelName,
                                 const Thumbnail& thumbnail, const PathOf& pathOf)
{
    mExemplars = exemplars;
    mChannel = channel;
    mThumbnail = thumbnail;
    mPathOf = pathOf;
    mTitle->setText(tr("<b>%1 · %2 · channel %3</b><br>The images of the batch that excite this channel most "
                       "(highest channel mean). Double-click one to open it.")
                        .arg(modelName.toHtmlEscaped(), QString::fromStdString(exemplars.layer()).toHtmlEscaped())
                        .arg(channel));
    mList->clear();
    const std::vector<Exemplar> top = exemplars.top(channel);
    for (const Exemplar& exemplar : top) {
        auto* item = new QListWidgetItem(mList);
        item->setText(QStringLiteral("%1\n%2").arg(QFileInfo(exemplar.file).fileName()).arg(exemplar.mean, 0, 'g', 3));
        item->setToolTip(tr("%1\nchannel mean %2").arg(exemplar.file).arg(exemplar.mean, 0, 'g', 4));
        item->setData(Qt::UserRole, exemplar.file);
        const QImage image = thumbnail ? thumbnail(exemplar.file) : QImage();
        if (!image.isNull())
            item->setIcon(QPixmap::fromImage(
                image.scaled(kThumbSize, kThumbSize, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    }
    mExport->setEnabled(!top.empty());
    if (top.empty())
        mTitle->setText(mTitle->text() + tr("<br>No image of the batch has reached this channel yet."));
}

int ExemplarsDialog::exemplarCount() const
{
    return mList->count();
}

bool ExemplarsDialog::exportSheetTo(const QString& fileName) const
{
    if (mChannel < 0)
        return false;
    const QImage sheet = renderExemplarSheet(mExemplars, {mChannel}, mThumbnail);
    return !sheet.isNull() && sheet.save(fileName, "PNG");
}

void ExemplarsDialog::exportSheet()
{
    const QString suggested =
        QStringLiteral("%1-%2-channel%3.png")
            .arg(QString::fromStdString(mExemplars.modelId()), QString::fromStdString(mExemplars.layer()))
            .arg(mChannel);
    const QString fileName = QFileDialog::getSaveFileName(this, tr("Export Sheet"), suggested, tr("PNG image (*.png)"));
    if (fileName.isEmpty())
        return;
    if (!exportSheetTo(fileName))
        QMessageBox::warning(this, tr("Export Sheet"),
                             tr("%1: the sheet could not be written.\nChoose a folder you can write to.")
                                 .arg(QDir::toNativeSeparators(fileName)));
}

}  // namespace convlens
