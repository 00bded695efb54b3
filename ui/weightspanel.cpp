#include "ui/weightspanel.h"

#include "core/weights/weightdownloader.h"
#include "core/weights/weightstore.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {

namespace {

constexpr int kProgressSteps = 1000;  // the bar counts per mille, so files over 2 GiB do not overflow an int

// Object names of a row's widgets: "<what>:<model id>" (tests and style sheets find them by it).
QString widgetName(const char* what, const QString& modelId)
{
    return QLatin1String(what) + QLatin1Char(':') + modelId;
}

// Status colours are signals (ready / yours / missing / untrained), not chrome, so they are fixed hues chosen to
// read on both light and dark palettes.
QIcon statusDot(const QColor& colour)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(colour.darker(130));
    painter.setBrush(colour);
    painter.drawEllipse(QRectF(1.5, 1.5, 9, 9));
    return QIcon(pixmap);
}

QColor statusColour(WeightsStatus::Kind kind)
{
    switch (kind) {
        case WeightsStatus::Kind::Found:
            return QColor(0x3f, 0xb9, 0x50);
        case WeightsStatus::Kind::UserFile:
            return QColor(0x4c, 0x8d, 0xf6);
        case WeightsStatus::Kind::Untrained:
            return QColor(0xd2, 0x99, 0x22);
        case WeightsStatus::Kind::Missing:
            break;
    }
    return QColor(0xe5, 0x48, 0x4d);
}

// A path for display: the home folder as "~".
QString displayPath(const QString& path)
{
    const QString native = QDir::toNativeSeparators(path);
    const QString home = QDir::toNativeSeparators(QDir::homePath());
    if (home.size() > 1 && native.startsWith(home + QDir::separator()))
        return QLatin1Char('~') + native.mid(home.size());
    return native;
}

QString mebibytes(qint64 bytes)
{
    return QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1);
}

QString rateText(double bytesPerSecond)
{
    if (bytesPerSecond >= 1024.0 * 1024.0)
        return QStringLiteral("%1 MiB/s").arg(bytesPerSecond / (1024.0 * 1024.0), 0, 'f', 1);
    return QStringLiteral("%1 KiB/s").arg(bytesPerSecond / 1024.0, 0, 'f', 0);
}

}  // namespace

WeightsPanel::WeightsPanel(QWidget* parent) : QWidget(parent)
{
    auto* title = new QLabel(tr("Model weights"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.25);
    titleFont.setBold(true);
    title->setFont(titleFont);

    mSummary = new QLabel(this);
    mSummary->setObjectName(QStringLiteral("summary"));
    mSummary->setWordWrap(true);
    mSummary->setForegroundRole(QPalette::PlaceholderText);
    mSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    mTable = new QTableWidget(0, ColumnCount, this);
    mTable->setHorizontalHeaderLabels({tr("Model"), tr("Weights file"), tr("Download from"), QString()});
    mTable->verticalHeader()->hide();
    mTable->setShowGrid(false);
    mTable->setAlternatingRowColors(true);
    mTable->setSelectionMode(QAbstractItemView::NoSelection);
    mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    mTable->setFocusPolicy(Qt::NoFocus);
    mTable->setWordWrap(false);
    mTable->setTextElideMode(Qt::ElideMiddle);  // paths and URLs: keep the folder start and the file name
    mTable->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    mTable->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    QHeaderView* header = mTable->horizontalHeader();
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    header->setHighlightSections(false);
    header->setSectionResizeMode(ModelColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(SourceColumn, QHeaderView::Interactive);
    header->setSectionResizeMode(ActionsColumn, QHeaderView::ResizeToContents);
    header->resizeSection(SourceColumn,
                          fontMetrics().horizontalAdvance(QStringLiteral("download.pytorch.org/models/resnet")) + 24);
    mTable->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);

    mDownloadAll = new QPushButton(this);
    mDownloadAll->setObjectName(QStringLiteral("downloadAll"));
    mDownloadAll->setVisible(false);
    connect(mDownloadAll, &QPushButton::clicked, this, [this] {
        if (mQueue.isEmpty() && mQueueRunning.isEmpty())
            downloadAllMissing();
        else
            cancelAllDownloads();
    });
    auto* summaryRow = new QHBoxLayout;
    summaryRow->setSpacing(12);
    summaryRow->addWidget(mSummary, 1);
    summaryRow->addWidget(mDownloadAll, 0, Qt::AlignTop);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 12, 12, 12);
    layout->setSpacing(4);
    layout->addWidget(title);
    layout->addLayout(summaryRow);
    layout->addSpacing(6);
    layout->addWidget(mTable, 1);
}

void WeightsPanel::setModels(const std::vector<ModelSpec>& models, AppSettings* settings)
{
    mQueue.clear();
    mQueueRunning.clear();
    for (auto& [id, downloader] : mDownloads) {
        mCancelling.insert(id);
        downloader->disconnect(this);
        downloader->deleteLater();  // its destructor aborts the transfer and removes the temporary file
    }
    mDownloads.clear();
    mCancelling.clear();
    mErrors.clear();
    mModels = models;
    mSettings = settings;
    mTable->clearContents();
    mTable->setRowCount(int(mModels.size()));
    for (int row = 0; row < int(mModels.size()); ++row)
        addRow(row, mModels[std::size_t(row)]);
    int rowHeight = 0;
    for (int row = 0; row < mTable->rowCount(); ++row)
        for (int column : {ModelColumn, ActionsColumn})
            if (QWidget* cell = mTable->cellWidget(row, column))
                rowHeight = std::max(rowHeight, cell->sizeHint().height());
    mTable->verticalHeader()->setDefaultSectionSize(std::max(rowHeight, fontMetrics().height() * 2) + 6);
    refresh();
}

void WeightsPanel::refresh()
{
    if (!mSettings)
        return;
    for (int row = 0; row < mTable->rowCount(); ++row)
        updateRow(row);
    updateSummary();
}

void WeightsPanel::addRow(int row, const ModelSpec& spec)
{
    const QString id = QString::fromStdString(spec.id);

    auto* modelCell = new QWidget;
    auto* name = new QLabel(QString::fromStdString(spec.displayName.empty() ? spec.id : spec.displayName));
    QFont nameFont = name->font();
    nameFont.setBold(true);
    name->setFont(nameFont);
    auto* idLabel = new QLabel(id);
    idLabel->setForegroundRole(QPalette::PlaceholderText);
    QFont idFont = idLabel->font();
    idFont.setPointSizeF(idFont.pointSizeF() * 0.9);
    idLabel->setFont(idFont);
    auto* modelLayout = new QVBoxLayout(modelCell);
    modelLayout->setContentsMargins(4, 3, 16, 3);  // the text lines up with the header's
    modelLayout->setSpacing(0);
    modelLayout->addStretch();
    modelLayout->addWidget(name);
    modelLayout->addWidget(idLabel);
    modelLayout->addStretch();
    mTable->setCellWidget(row, ModelColumn, modelCell);

    mTable->setItem(row, StatusColumn, new QTableWidgetItem);
    mTable->setItem(row, SourceColumn, new QTableWidgetItem);

    auto* actions = new QWidget;
    auto* download = new QPushButton(tr("Download"));
    download->setObjectName(widgetName("download", id));
    // Same width as "Download" or "Cancel", so the row does not jump when the label changes.
    download->setText(tr("Cancel"));
    int buttonWidth = download->sizeHint().width();
    download->setText(tr("Download"));
    buttonWidth = std::max(buttonWidth, download->sizeHint().width());
    download->setFixedWidth(buttonWidth);
    connect(download, &QPushButton::clicked, this, [this, id] {
        if (isDownloading(id))
            cancelDownload(id);
        else
            startDownload(id);
    });

    auto* loadFile = new QPushButton(tr("Load file…"));
    loadFile->setObjectName(widgetName("loadFile", id));
    loadFile->setToolTip(tr("Use a checkpoint of your own (e.g. fine-tuned) for %1").arg(id));
    connect(loadFile, &QPushButton::clicked, this, [this, id] { chooseFile(id); });

    auto* forget = new QToolButton;
    forget->setObjectName(widgetName("forget", id));
    forget->setText(QStringLiteral("✕"));
    forget->setAutoRaise(true);
    forget->setToolTip(tr("Forget the chosen file and use the official weights"));
    QSizePolicy keepSpace = forget->sizePolicy();
    keepSpace.setRetainSizeWhenHidden(true);  // the check boxes stay aligned down the column
    forget->setSizePolicy(keepSpace);
    connect(forget, &QToolButton::clicked, this, [this, id] { forgetUserFile(id); });

    auto* untrained = new QCheckBox(tr("Explore untrained"));
    untrained->setObjectName(widgetName("untrained", id));
    connect(untrained, &QCheckBox::toggled, this, [this, id](bool on) { setUntrainedAllowed(id, on); });

    auto* actionsLayout = new QHBoxLayout(actions);
    actionsLayout->setContentsMargins(8, 3, 8, 3);
    actionsLayout->setSpacing(6);
    actionsLayout->addWidget(download);
    actionsLayout->addWidget(loadFile);
    actionsLayout->addWidget(forget);
    actionsLayout->addSpacing(6);
    actionsLayout->addWidget(untrained);
    mTable->setCellWidget(row, ActionsColumn, actions);
}

void WeightsPanel::updateRow(int row)
{
    if (!mSettings || row < 0 || row >= int(mModels.size()))
        return;
    const ModelSpec& spec = mModels[std::size_t(row)];
    const QString id = QString::fromStdString(spec.id);
    const QString file = QString::fromStdString(spec.weights.file);
    const WeightsStatus status = resolveWeights(spec, mSettings->weightsChoice(id));
    const bool downloading = isDownloading(id);

    QString text;
    QString tip;
    QIcon icon = statusDot(statusColour(status.kind));
    switch (status.kind) {
        case WeightsStatus::Kind::Found:
            text = tr("Found — %1").arg(displayPath(status.path));
            tip = QDir::toNativeSeparators(status.path);
            break;
        case WeightsStatus::Kind::UserFile:
            text = tr("Your file — %1").arg(displayPath(status.path));
            tip = tr("%1\nChosen with \"Load file…\"; a checkpoint that does not fit %2 is reported when the "
                     "analysis runs.")
                      .arg(QDir::toNativeSeparators(status.path), id);
            break;
        case WeightsStatus::Kind::Untrained:
            text = tr("Untrained — random weights, predictions are meaningless");
            tip = tr("%1 is missing; views of %2 carry an \"untrained weights\" banner.").arg(file, id);
            break;
        case WeightsStatus::Kind::Missing:
            text = file.isEmpty() ? tr("Missing") : tr("Missing — %1").arg(file);
            tip = status.message;
            break;
    }
    if (const auto error = mErrors.constFind(id); error != mErrors.cend()) {
        // The last attempt failed; until the next one the row says why (the status is in the tooltip too).
        text = tr("Failed — %1").arg(error.value());
        tip = error.value() + QStringLiteral("\n\n") + tip;
        icon = statusDot(statusColour(WeightsStatus::Kind::Missing));
    }
    if (downloading) {
        // The progress bar covers the cell; the text is for statusText() and accessibility.
        text = tr("Downloading — %1").arg(file);
        tip.clear();
        icon = QIcon();
    }
    QTableWidgetItem* statusItem = mTable->item(row, StatusColumn);
    statusItem->setText(text);
    statusItem->setToolTip(tip);
    statusItem->setIcon(icon);

    const QString url = WeightDownloader::downloadUrl(spec.weights).toString();
    QTableWidgetItem* sourceItem = mTable->item(row, SourceColumn);
    sourceItem->setText(url.isEmpty() ? tr("—") : url);
    sourceItem->setToolTip(url.isEmpty() ? tr("No download URL in the registry and no mirror set") : url);

    // The registry's own checkpoint, whatever file the user chose instead.
    const bool present = resolveWeights(spec, WeightsChoice{{}, mSettings->weightsDir, false}).kind ==
                         WeightsStatus::Kind::Found;
    if (auto* download = mTable->findChild<QPushButton*>(widgetName("download", id))) {
        download->setText(downloading ? tr("Cancel") : tr("Download"));
        download->setEnabled(downloading || (!present && !url.isEmpty()));
        download->setToolTip(downloading     ? tr("Stop downloading %1; nothing is kept").arg(file)
                             : present       ? tr("%1 is already on disk").arg(file)
                             : url.isEmpty() ? tr("No download URL for %1: set a mirror in Settings").arg(id)
                                             : tr("Download %1 from %2 (checked against its sha256)").arg(file, url));
    }
    if (auto* forget = mTable->findChild<QToolButton*>(widgetName("forget", id)))
        forget->setVisible(mSettings->weightsFiles.contains(id));
    if (auto* untrained = mTable->findChild<QCheckBox*>(widgetName("untrained", id))) {
        const QSignalBlocker block(untrained);
        untrained->setChecked(mSettings->untrainedAllowed.contains(id));
        const bool haveWeights =
            status.kind == WeightsStatus::Kind::Found || status.kind == WeightsStatus::Kind::UserFile;
        untrained->setEnabled(!haveWeights);
        untrained->setToolTip(haveWeights ? tr("%1 has weights").arg(id)
                                          : tr("Explore %1 with random weights: the diagram and feature maps work, "
                                               "predictions and heatmaps mean nothing (every view says so).")
                                                .arg(id));
    }
}

void WeightsPanel::updateSummary()
{
    if (!mSettings)
        return;
    int ready = 0;
    for (const ModelSpec& spec : mModels) {
        const WeightsStatus::Kind kind = resolveWeights(spec, mSettings->weightsChoice(QString::fromStdString(spec.id))).kind;
        ready += kind == WeightsStatus::Kind::Found || kind == WeightsStatus::Kind::UserFile;
    }
    QStringList dirs;
    for (const QString& dir : WeightStore::searchDirs(mSettings->weightsDir))
        dirs.push_back(displayPath(dir));
    const Expected<QString> destination = WeightDownloader::destinationDir(mSettings->weightsDir);
    QString text = tr("%1 of %2 models have weights. Looked in %3.")
                       .arg(ready)
                       .arg(mModels.size())
                       .arg(dirs.join(QStringLiteral(", ")));
    if (destination.ok())
        text += QLatin1Char(' ') + tr("Downloads go to %1.").arg(displayPath(*destination));
    mSummary->setText(text);

    const int missing = static_cast<int>(missingModels().size());
    const bool running = !mQueue.isEmpty() || !mQueueRunning.isEmpty();
    mDownloadAll->setText(running ? tr("Cancel downloads") : tr("Download all missing (%1)").arg(missing));
    mDownloadAll->setToolTip(running ? tr("Stop the download in progress and the %n waiting", nullptr, int(mQueue.size()))
                                     : tr("Download the weights of every model that has none, one after another"));
    mDownloadAll->setVisible(running || missing > 0);
}

QStringList WeightsPanel::missingModels() const
{
    QStringList ids;
    if (!mSettings)
        return ids;
    for (const ModelSpec& spec : mModels) {
        const QString id = QString::fromStdString(spec.id);
        if (!spec.weights.url.empty() && !isDownloading(id) &&
            resolveWeights(spec, mSettings->weightsChoice(id)).kind == WeightsStatus::Kind::Missing)
            ids << id;
    }
    return ids;
}

int WeightsPanel::downloadAllMissing()
{
    mQueue = missingModels();
    const int queued = static_cast<int>(mQueue.size());
    startNextQueued();
    updateSummary();
    return queued;
}

void WeightsPanel::cancelAllDownloads()
{
    mQueue.clear();
    const QString running = mQueueRunning;
    mQueueRunning.clear();
    if (!running.isEmpty())
        cancelDownload(running);
    updateSummary();
}

void WeightsPanel::startNextQueued()
{
    while (mQueueRunning.isEmpty() && !mQueue.isEmpty()) {
        const QString next = mQueue.takeFirst();
        if (startDownload(next))
            mQueueRunning = next;
    }
}

int WeightsPanel::rowOf(const QString& modelId) const
{
    const std::string id = modelId.toStdString();
    const auto it = std::find_if(mModels.begin(), mModels.end(), [&id](const ModelSpec& m) { return m.id == id; });
    return it == mModels.end() ? -1 : int(it - mModels.begin());
}

bool WeightsPanel::startDownload(const QString& modelId)
{
    const int row = rowOf(modelId);
    if (row < 0 || isDownloading(modelId))
        return false;
    mErrors.remove(modelId);
    mCancelling.remove(modelId);

    auto* bar = new QProgressBar;
    bar->setObjectName(widgetName("progress", modelId));
    bar->setRange(0, 0);  // busy until the size is known
    bar->setTextVisible(true);
    bar->setFormat(tr("Connecting…"));
    bar->setAlignment(Qt::AlignCenter);
    auto* cell = new QWidget;
    cell->setAutoFillBackground(true);  // over the status item, in the row's own colour
    cell->setBackgroundRole(row % 2 == 1 && mTable->alternatingRowColors() ? QPalette::AlternateBase : QPalette::Base);
    auto* cellLayout = new QHBoxLayout(cell);
    cellLayout->setContentsMargins(6, 6, 6, 6);
    cellLayout->addWidget(bar);
    mTable->setCellWidget(row, StatusColumn, cell);

    auto* downloader = new WeightDownloader(this);
    mDownloads[modelId] = downloader;
    connect(downloader, &WeightDownloader::progress, this, [this, modelId](qint64 received, qint64 total, double rate) {
        onProgress(modelId, received, total, rate);
    });
    connect(downloader, &WeightDownloader::finished, this,
            [this, modelId](const DownloadResult& result) { onFinished(modelId, result); });
    updateRow(row);
    downloader->start(mModels[std::size_t(row)].weights, mSettings->weightsDir);
    return true;
}

bool WeightsPanel::isDownloading(const QString& modelId) const
{
    return mDownloads.count(modelId) > 0;
}

void WeightsPanel::cancelDownload(const QString& modelId)
{
    const auto it = mDownloads.find(modelId);
    if (it == mDownloads.end())
        return;
    mCancelling.insert(modelId);
    it->second->cancel();
}

void WeightsPanel::onProgress(const QString& modelId, qint64 received, qint64 total, double bytesPerSecond)
{
    auto* bar = mTable->findChild<QProgressBar*>(widgetName("progress", modelId));
    if (!bar)
        return;
    // The text first: it is what a valueChanged listener reads.
    if (total > 0) {
        bar->setFormat(tr("%1 / %2 MiB · %3").arg(mebibytes(received), mebibytes(total), rateText(bytesPerSecond)));
        bar->setRange(0, kProgressSteps);
        bar->setValue(int(std::clamp<qint64>(received * kProgressSteps / total, 0, kProgressSteps)));
    } else {
        bar->setFormat(tr("%1 MiB · %2").arg(mebibytes(received), rateText(bytesPerSecond)));
        bar->setRange(0, 0);
    }
}

void WeightsPanel::onFinished(const QString& modelId, const DownloadResult& result)
{
    const auto it = mDownloads.find(modelId);
    if (it == mDownloads.end())
        return;
    it->second->deleteLater();  // we are inside its signal
    mDownloads.erase(it);
    const bool cancelled = mCancelling.remove(modelId);
    const int row = rowOf(modelId);
    mTable->removeCellWidget(row, StatusColumn);
    if (result.ok) {
        mErrors.remove(modelId);
    } else if (!cancelled) {
        mErrors.insert(modelId, result.error);
    }
    updateRow(row);
    if (modelId == mQueueRunning) {
        // A failure stops nothing but its own download: its row and downloadFailed say why.
        mQueueRunning.clear();
        startNextQueued();
    }
    updateSummary();
    if (result.ok)
        Q_EMIT weightsChanged(modelId);
    else if (!cancelled)
        Q_EMIT downloadFailed(modelId, result.error);
}

void WeightsPanel::chooseFile(const QString& modelId)
{
    const int row = rowOf(modelId);
    if (row < 0)
        return;
    QString start = mSettings->weightsFiles.value(modelId);
    if (start.isEmpty())
        start = mSettings->weightsDir.isEmpty() ? QDir::homePath() : mSettings->weightsDir;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Checkpoint for %1").arg(QString::fromStdString(mModels[std::size_t(row)].displayName)), start,
        tr("PyTorch checkpoints (*.pth *.pt *.ckpt *.bin *.safetensors);;All files (*)"));
    if (!path.isEmpty())
        setUserFile(modelId, path);
}

bool WeightsPanel::setUserFile(const QString& modelId, const QString& path)
{
    const int row = rowOf(modelId);
    if (row < 0)
        return false;
    const QFileInfo info(path);
    if (!info.isFile() || !info.isReadable()) {
        mErrors.insert(modelId, !info.exists() ? tr("%1 does not exist").arg(QDir::toNativeSeparators(path))
                                : info.isDir()
                                    ? tr("%1 is a folder, not a checkpoint").arg(QDir::toNativeSeparators(path))
                                    : tr("cannot read %1").arg(QDir::toNativeSeparators(path)));
        updateRow(row);
        return false;
    }
    mErrors.remove(modelId);
    mSettings->weightsFiles.insert(modelId, info.absoluteFilePath());
    settingsEdited(modelId);
    return true;
}

void WeightsPanel::forgetUserFile(const QString& modelId)
{
    if (mSettings->weightsFiles.remove(modelId) == 0)
        return;
    mErrors.remove(modelId);
    settingsEdited(modelId);
}

void WeightsPanel::setUntrainedAllowed(const QString& modelId, bool allowed)
{
    if (rowOf(modelId) < 0 || mSettings->untrainedAllowed.contains(modelId) == allowed)
        return;
    if (allowed)
        mSettings->untrainedAllowed.push_back(modelId);
    else
        mSettings->untrainedAllowed.removeAll(modelId);
    settingsEdited(modelId);
}

void WeightsPanel::settingsEdited(const QString& modelId)
{
    updateRow(rowOf(modelId));
    updateSummary();
    Q_EMIT weightsChanged(modelId);
}

QString WeightsPanel::statusText(const QString& modelId) const
{
    const int row = rowOf(modelId);
    const QTableWidgetItem* item = row < 0 ? nullptr : mTable->item(row, StatusColumn);
    return item ? item->text() : QString();
}

}  // namespace convlens
