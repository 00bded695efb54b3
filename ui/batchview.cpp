#include "ui/batchview.h"

#include "core/session/analysissession.h"
#include "ui/accuracypanel.h"
#include "ui/batchfilterproxy.h"
#include "ui/batchtablemodel.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QStyle>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <QSignalBlocker>

#include <algorithm>
#include <cmath>

namespace convlens {

namespace {

// "0:42", "12:05", "1:02:09"
QString durationText(double seconds)
{
    const qint64 total = qint64(std::ceil(seconds));
    const qint64 h = total / 3600, m = (total / 60) % 60, s = total % 60;
    return h > 0 ? QStringLiteral("%1:%2:%3").arg(h).arg(m, 2, 10, QLatin1Char('0')).arg(s, 2, 10, QLatin1Char('0'))
                 : QStringLiteral("%1:%2").arg(m).arg(s, 2, 10, QLatin1Char('0'));
}

}  // namespace

BatchView::BatchView(AnalysisSession* session, QWidget* parent)
    : QWidget(parent), mSession(session), mBatch(session->batch())
{
    mModel = new BatchTableModel(this);
    mProxy = new BatchFilterProxy(this);
    mProxy->setSourceModel(mModel);
    mAccuracyTimer = new QTimer(this);
    mAccuracyTimer->setSingleShot(true);
    mAccuracyTimer->setInterval(250);  // records come chunk by chunk: one recount per burst
    connect(mAccuracyTimer, &QTimer::timeout, this, &BatchView::refreshAccuracy);

    // ---- what shows before any batch
    mPlaceholder = new QLabel(tr("<p style='font-size:large'>No batch yet</p>"
                                 "<p>Open a folder (File ▸ Open Folder…) or drop one on the window to run every "
                                 "image in it through the model — or, in compare mode, through every model of the "
                                 "compare set.</p><p>Folders named after ImageNet classes (n02123045, or a class "
                                 "name) give the true class, and the accuracy follows.</p>"),
                              this);
    mPlaceholder->setAlignment(Qt::AlignCenter);
    mPlaceholder->setWordWrap(true);
    mPlaceholder->setForegroundRole(QPalette::PlaceholderText);
    mPlaceholder->setMargin(40);

    // ---- the batch
    auto* page = new QWidget(this);
    mTitle = new QLabel(page);
    QFont titleFont = mTitle->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    mTitle->setFont(titleFont);
    mTitle->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mState = new QLabel(page);
    mState->setWordWrap(true);
    mState->setTextFormat(Qt::RichText);
    mState->setOpenExternalLinks(false);
    connect(mState, &QLabel::linkActivated, this,
            [](const QString& link) { QDesktopServices::openUrl(QUrl::fromLocalFile(link)); });
    mExport = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Export Reports…"), page);
    mExport->setToolTip(
        tr("A report page (PNG and PDF) per image and model, with the current heatmap method, and "
           "the summaries, into a folder you choose"));
    connect(mExport, &QPushButton::clicked, this, &BatchView::exportRequested);

    mProgress = new QProgressBar(page);
    mProgress->setTextVisible(true);
    mProgress->setFormat(tr("%v of %m images"));
    mProgress->setRange(0, 1);
    mProgress->setValue(0);
    mRate = new QLabel(page);
    mRate->setMinimumWidth(mRate->fontMetrics().horizontalAdvance(tr("888.8 images/s · 88:88:88 left")));
    mPause = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"), page);
    connect(mPause, &QPushButton::clicked, this, [this] {
        if (mBatch->state() == BatchSession::State::Paused)
            mBatch->resume();
        else
            mBatch->pause();
    });
    mCancel = new QPushButton(style()->standardIcon(QStyle::SP_DialogCancelButton), tr("Cancel"), page);
    mCancel->setToolTip(tr("Stop the batch; what is done is kept and summarised"));
    connect(mCancel, &QPushButton::clicked, mBatch, &BatchSession::cancel);

    mProblems = new QLabel(page);
    mProblems->setWordWrap(true);
    mProblems->setStyleSheet(QStringLiteral("QLabel { color: #e53935; }"));
    mProblems->hide();

    mShow = new QComboBox(page);
    mShow->addItem(tr("All images"));
    mShow->addItem(tr("Failed"));
    mShow->addItem(tr("Misclassified"));
    mShow->setAccessibleName(tr("Show"));
    connect(mShow, &QComboBox::currentIndexChanged, this, &BatchView::setShow);
    mSearch = new QLineEdit(page);
    mSearch->setPlaceholderText(tr("Search a file or a class…"));
    mSearch->setClearButtonEnabled(true);
    mSearch->setAccessibleName(tr("Search"));
    connect(mSearch, &QLineEdit::textChanged, this, &BatchView::setSearchText);
    mCount = new QLabel(page);
    mCount->setForegroundRole(QPalette::PlaceholderText);
    mAccuracyButton = new QToolButton(page);
    mAccuracyButton->setText(tr("Accuracy"));
    mAccuracyButton->setCheckable(true);
    mAccuracyButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    mAccuracyButton->setToolTip(tr("Show or hide the accuracy panel"));
    mAccuracyButton->hide();  // until an image's truth is known
    connect(mAccuracyButton, &QToolButton::toggled, this, &BatchView::showAccuracy);

    mTable = new QTableView(page);
    mTable->setModel(mProxy);
    mTable->setSortingEnabled(true);
    mTable->sortByColumn(mModel->fileColumn(), Qt::AscendingOrder);
    mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    mTable->setSelectionMode(QAbstractItemView::SingleSelection);
    mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    mTable->setAlternatingRowColors(true);
    mTable->setWordWrap(true);  // an error's reason takes two lines rather than being cut off
    mTable->setTextElideMode(Qt::ElideRight);
    mTable->setShowGrid(false);
    mTable->setIconSize(QSize(54, 40));
    mTable->verticalHeader()->hide();
    mTable->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    mTable->verticalHeader()->setDefaultSectionSize(46);
    mTable->horizontalHeader()->setHighlightSections(false);
    mTable->setAccessibleName(tr("Batch results"));
    mTable->setToolTip(tr("Click an image to see it in the main view"));
    connect(mProxy, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex&, int first, int last) { spanReasons(first, last); });
    connect(mProxy, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
                spanReasons(topLeft.row(), bottomRight.row());
            });
    const auto spanAll = [this] {
        mTable->clearSpans();
        spanReasons(0, mProxy->rowCount() - 1);
    };
    connect(mProxy, &QAbstractItemModel::layoutChanged, this, spanAll);
    connect(mProxy, &QAbstractItemModel::modelReset, this, spanAll);
    connect(mTable, &QTableView::clicked, this,
            [this](const QModelIndex& index) { activateRow(index.row(), index.column()); });

    mAccuracy = new AccuracyPanel(page);
    mAccuracy->hide();
    connect(mAccuracy, &AccuracyPanel::failureActivated, this, [this](const QString& file, const QString& model) {
        const QString path = mModel->pathOfFile(file);
        if (!path.isEmpty())
            Q_EMIT imageRequested(path, model);
    });

    mSplitter = new QSplitter(Qt::Horizontal, page);
    mSplitter->addWidget(mTable);
    mSplitter->addWidget(mAccuracy);
    mSplitter->setStretchFactor(0, 3);
    mSplitter->setStretchFactor(1, 1);
    mSplitter->setChildrenCollapsible(false);

    auto* header = new QHBoxLayout;
    header->addWidget(mTitle, 1);
    header->addWidget(mExport);
    auto* progress = new QHBoxLayout;
    progress->addWidget(mProgress, 1);
    progress->addWidget(mRate);
    progress->addWidget(mPause);
    progress->addWidget(mCancel);
    auto* filters = new QHBoxLayout;
    filters->addWidget(new QLabel(tr("Show:"), page));
    filters->addWidget(mShow);
    filters->addWidget(mSearch, 1);
    filters->addWidget(mCount);
    filters->addWidget(mAccuracyButton);

    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->setSpacing(6);
    layout->addLayout(header);
    layout->addWidget(mState);
    layout->addLayout(progress);
    layout->addWidget(mProblems);
    layout->addLayout(filters);
    layout->addWidget(mSplitter, 1);

    mStack = new QStackedWidget(this);
    mStack->addWidget(mPlaceholder);
    mStack->addWidget(page);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(mStack);

    connect(mBatch, &BatchSession::started, this, &BatchView::onStarted);
    connect(mBatch, &BatchSession::stateChanged, this, &BatchView::onStateChanged);
    connect(mBatch, &BatchSession::recordsAdded, this, &BatchView::onRecordsAdded);
    connect(mBatch, &BatchSession::progressChanged, this, &BatchView::onProgress);
    connect(mBatch, &BatchSession::prepared, this, [this] {
        const QStringList problems = mBatch->listingProblems();
        mProblems->setText(problems.join(QLatin1Char('\n')));
        mProblems->setVisible(!problems.isEmpty());
    });
    connect(mBatch, &BatchSession::failed, this, [this] { updateControls(); });
    connect(mBatch, &BatchSession::finished, this, [this] {
        refreshAccuracy();
        updateControls();
    });
    updateControls();
}

// ------------------------------------------------------------------------------------------------ batch

void BatchView::onStarted()
{
    const BatchPlan& plan = mBatch->plan();
    std::vector<std::pair<std::string, QString>> models;
    QStringList names;
    for (const BatchModel& model : plan.models) {
        const QString name = QString::fromStdString(model.spec.displayName);
        models.emplace_back(model.spec.id, name);
        names << name;
    }
    mModel->setModels(models);
    const bool oneFolder = plan.inputs.size() == 1 && QFileInfo(plan.inputs.front()).isDir();
    mModel->setDisplayPrefix(oneFolder ? QFileInfo(plan.inputs.front()).fileName() + QLatin1Char('/') : QString());
    mAccuracy->setModels(models);
    mAccuracy->clear();
    mAccuracy->hide();
    {
        const QSignalBlocker blocker(mAccuracyButton);
        mAccuracyButton->setChecked(false);
    }
    mAccuracyButton->hide();
    mProblems->hide();
    // "Models disagree" only means something with two models or more.
    if (models.size() > 1 && mShow->count() == 3) {
        mShow->addItem(tr("Models disagree"));
    } else if (models.size() < 2 && mShow->count() == 4) {
        if (mShow->currentIndex() == 3)
            mShow->setCurrentIndex(0);
        mShow->removeItem(3);
    }

    QStringList inputs;
    for (const QString& input : plan.inputs)
        inputs << QFileInfo(input).fileName();
    const QString what = inputs.size() == 1 ? inputs.front() : tr("%n items", nullptr, int(inputs.size()));
    mTitle->setText(plan.options.reports ? tr("Reports · %1 — %2").arg(what, names.join(QStringLiteral(", ")))
                                         : tr("Batch · %1 — %2").arg(what, names.join(QStringLiteral(", "))));
    mTitle->setToolTip(plan.inputs.join(QLatin1Char('\n')));

    const int table = mModel->truthColumn();
    mTable->setColumnHidden(table, true);  // until an image's truth is known
    QHeaderView* header = mTable->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->setSectionResizeMode(mModel->thumbnailColumn(), QHeaderView::Fixed);
    // Widths from the font, so the headers and typical values fit at any font size.
    const QFontMetrics metrics = mTable->fontMetrics();
    const auto text = [&metrics](const QString& sample) { return metrics.horizontalAdvance(sample) + 16; };
    mTable->setColumnWidth(mModel->thumbnailColumn(), 60);
    mTable->setColumnWidth(mModel->fileColumn(), text(QStringLiteral("n02123045/ILSVRC_0001.jpg")));
    mTable->setColumnWidth(mModel->truthColumn(), text(QStringLiteral("digital clock  ")));
    for (int m = 0; m < mModel->modelCount(); ++m) {
        mTable->setColumnWidth(mModel->labelColumn(m),
                               std::max(text(mModel->headerData(mModel->labelColumn(m), Qt::Horizontal).toString()),
                                        text(QStringLiteral("✗ espresso maker"))));
        mTable->setColumnWidth(mModel->probabilityColumn(m), text(QStringLiteral("100.0%")));
    }
    if (mModel->disagreeColumn() >= 0)
        mTable->setColumnWidth(mModel->disagreeColumn(), text(QStringLiteral("≠")));
    mTable->setColumnWidth(mModel->timeColumn(), text(QStringLiteral("8888 ms")));

    mProgress->setRange(0, 0);  // busy until the listing is done
    mRate->clear();
    mStack->setCurrentIndex(1);
    updateCount();
    updateControls();
}

void BatchView::spanReasons(int first, int last)
{
    const int columns = 2 * mModel->modelCount();
    if (columns < 2)
        return;
    for (int row = first; row <= last; ++row)
        if (mModel->rowUnreadable(mProxy->mapToSource(mProxy->index(row, 0)).row()))
            mTable->setSpan(row, mModel->labelColumn(0), 1, columns);
}

void BatchView::onStateChanged(BatchSession::State)
{
    updateControls();
}

void BatchView::onRecordsAdded(int first, int count)
{
    mModel->addRecords(mBatch->records(), first, count);
    if (mModel->hasTruth() && mTable->isColumnHidden(mModel->truthColumn()))
        mTable->setColumnHidden(mModel->truthColumn(), false);
    updateCount();
    if (!mAccuracyTimer->isActive())
        mAccuracyTimer->start();
}

void BatchView::onProgress(int processed, int total)
{
    mProgress->setRange(0, std::max(1, total));
    mProgress->setValue(processed);
    if (total == 0)
        mProgress->setFormat(tr("No images"));
    else
        mProgress->setFormat(tr("%v of %m images"));
    mRate->setText(progressText());
    updateControls();
}

QString BatchView::progressText() const
{
    const double rate = mBatch->imagesPerSecond();
    if (rate <= 0.0)
        return QString();
    const double eta = mBatch->etaSeconds();
    const QString speed = tr("%1 images/s").arg(rate, 0, 'f', rate < 10 ? 1 : 0);
    if (mBatch->state() == BatchSession::State::Running && eta > 0.0)
        return tr("%1 · %2 left").arg(speed, durationText(eta));
    return speed;
}

QString BatchView::stateText() const
{
    return mState->text();
}

int BatchView::tableWidthNeeded() const
{
    int width = 2 * mTable->frameWidth() + mTable->style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    for (int column = 0; column < mModel->columnCount(); ++column)
        if (!mTable->isColumnHidden(column))
            width += column == mModel->statusColumn()
                         ? mTable->fontMetrics().horizontalAdvance(QStringLiteral("not an image Qt can read"))
                         : mTable->columnWidth(column);
    return width;
}

void BatchView::showAccuracy(bool shown)
{
    if (mAccuracyButton->isChecked() != shown) {
        mAccuracyButton->setChecked(shown);  // comes back here through toggled
        return;
    }
    mAccuracy->setVisible(shown);
    if (shown) {
        const int width = mSplitter->width();
        const int panel = std::clamp(width - tableWidthNeeded(), 300, width * 40 / 100);
        mSplitter->setSizes({width - panel, panel});
    }
}

void BatchView::refreshAccuracy()
{
    const bool truth = mModel->hasTruth();
    if (truth && mAccuracyButton->isHidden()) {
        // Beside the table when both fit; otherwise one click away, so no column is cut off.
        mAccuracyButton->show();
        showAccuracy(mSplitter->width() - tableWidthNeeded() >= 300);
    }
    if (!truth)
        return;
    mAccuracy->setAccuracy(mBatch->accuracy(),
                           [model = mModel](const QString& file) { return model->thumbnailOfFile(file); });
}

void BatchView::updateCount()
{
    const int all = mModel->rowCount();
    const int shown = mProxy->rowCount();
    mCount->setText(shown == all ? tr("%n image(s)", nullptr, all) : tr("%1 of %2 shown").arg(shown).arg(all));
}

void BatchView::updateControls()
{
    using State = BatchSession::State;
    const State state = mBatch->state();
    const bool running = state == State::Running || state == State::Preparing;
    mPause->setEnabled(state == State::Running || state == State::Paused);
    mPause->setText(state == State::Paused ? tr("Resume") : tr("Pause"));
    mPause->setIcon(style()->standardIcon(state == State::Paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    mCancel->setEnabled(running || state == State::Paused);
    mExport->setEnabled(!mBatch->isActive() && !mBatch->plan().inputs.isEmpty() && state != State::Failed);
    mPause->setVisible(mBatch->isActive());
    mCancel->setVisible(mBatch->isActive());

    const QString outDir = QDir::toNativeSeparators(mBatch->plan().outDir);
    const QString folderLink =
        QStringLiteral("<a href=\"%1\">%2</a>").arg(mBatch->plan().outDir.toHtmlEscaped(), outDir.toHtmlEscaped());
    const BatchOutcome& outcome = mBatch->outcome();
    QString text;
    switch (state) {
        case State::Idle:
            break;
        case State::Preparing:
            text = tr("Listing the files…");
            break;
        case State::Running:
            text = tr("Running. Click an image to see it in the main view; the batch goes on meanwhile.");
            break;
        case State::Paused:
            text = mBatch->hasJob() ? tr("Pausing: the images in progress are finished first…")
                                    : tr("Paused after %1 of %2 images.").arg(mBatch->processed()).arg(mBatch->total());
            break;
        case State::Finishing:
            text = tr("Writing the summaries…");
            break;
        case State::Done:
            text = tr("Done: %1 images, %2 could not be read. Summaries in %3")
                       .arg(outcome.images)
                       .arg(outcome.failed)
                       .arg(folderLink);
            if (mBatch->plan().options.reports)
                text = tr("Reports written: %1 images. In %2").arg(outcome.images).arg(folderLink);
            break;
        case State::Cancelled:
            text =
                tr("Cancelled after %1 of %2 images; what was done is kept in %3. Open the same folder again to go on.")
                    .arg(mBatch->processed())
                    .arg(mBatch->total())
                    .arg(folderLink);
            break;
        case State::Failed:
            text = QStringLiteral("<span style='color:#e53935'>%1</span>")
                       .arg(tr("The batch stopped: %1").arg(mBatch->error()).toHtmlEscaped());
            break;
    }
    mState->setText(text);
    mState->setVisible(!text.isEmpty());
    if (state == State::Done || state == State::Cancelled || state == State::Failed || state == State::Paused)
        mRate->setText(progressText());
    if (state == State::Done && mBatch->total() == 0)
        mProgress->setRange(0, 1);
}

// ------------------------------------------------------------------------------------------------ user

void BatchView::setShow(int show)
{
    if (mShow->currentIndex() != show)
        mShow->setCurrentIndex(show);
    mProxy->setShow(static_cast<BatchFilterProxy::Show>(std::clamp(show, 0, 3)));
    updateCount();
}

void BatchView::setSearchText(const QString& text)
{
    if (mSearch->text() != text)
        mSearch->setText(text);
    mProxy->setSearchText(text);
    updateCount();
}

void BatchView::activateRow(int row, int column)
{
    const QModelIndex index = mProxy->index(row, std::max(0, column));
    if (!index.isValid())
        return;
    const QString path = index.data(BatchTableModel::PathRole).toString();
    const int model = mModel->modelOfColumn(mProxy->mapToSource(index).column());
    if (!path.isEmpty())
        Q_EMIT imageRequested(path, model >= 0 ? QString::fromStdString(mModel->modelId(model)) : QString());
}

}  // namespace convlens
