#include "ui/mainwindow.h"

#include "core/batch/batchbackend.h"
#include "core/image/imagefile.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/networkdescription.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/jobservice.h"
#include "core/report/resultimages.h"
#include "core/session/analysissession.h"
#include "core/session/batchsession.h"
#include "ui/batchtablemodel.h"
#include "ui/batchview.h"
#include "ui/channelviewdialog.h"
#include "ui/classpicker.h"
#include "ui/comparemodelsdialog.h"
#include "ui/compareview.h"
#include "ui/exemplarsdialog.h"
#include "ui/explanationview.h"
#include "ui/featuremapgrid.h"
#include "ui/jobstatuswidget.h"
#include "ui/layerpropertiesview.h"
#include "ui/messagebar.h"
#include "ui/reportexportdialog.h"
#include "ui/methodsgridview.h"
#include "ui/networkdiagram.h"
#include "ui/openfolderdialog.h"
#include "ui/overlayview.h"
#include "ui/predictionlist.h"
#include "ui/settingsdialog.h"
#include "ui/theme.h"
#include "ui/viewcontrols.h"
#include "ui/weightspanel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QScreen>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace convlens {

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("ConvLens"));
    setWindowIcon(QIcon(QStringLiteral(":/convlens/convlens.png")));
    setAcceptDrops(true);

    const AppSettings settings = AppSettings::load();
    auto cache = std::make_shared<ResultCache>(settings.cacheConfig(options.persistentCache));
    // One engine for both: a batch shares the window's loaded models and its cache.
    auto engine = std::make_shared<AnalysisEngine>(cache);
    mSession = new AnalysisSession(engine, settings,
                                   SessionOptions{options.userRegistry, options.openSampleOnFirstStart}, this);
    mSession->setBatchBackend(engine, cache);

    buildLayout();
    buildActions();
    connectSession();
    // As large as it was designed for, but never larger than the screen it opens on.
    resize(QSize(1440, 900).boundedTo(screen() ? screen()->availableGeometry().size() : QSize(1440, 900)));
    // The docks in proportion to the window, so a small screen still leaves the image room.
    resizeDocks({mDocks[QStringLiteral("predictions")], mDocks[QStringLiteral("diagram")]},
                {width() * 21 / 100, width() * 26 / 100}, Qt::Horizontal);
    resizeDocks({mDocks[QStringLiteral("features")]}, {height() * 2 / 5}, Qt::Vertical);

    statusBar()->showMessage(tr("Loading the model registry…"));
    mSession->loadRegistry();
}

MainWindow::~MainWindow() = default;

void MainWindow::showFitted()
{
    // The frame's size is known only once shown; a title bar and borders take well under this allowance.
    const QSize frameAllowance(16, 48);
    const QSize available = screen() ? screen()->availableGeometry().size() : QSize(1440, 900) + frameAllowance;
    if (available.width() < 1440 + frameAllowance.width() || available.height() < 900 + frameAllowance.height())
        showMaximized();
    else
        show();
}

// ---------------------------------------------------------------------------------------------------- layout

void MainWindow::buildLayout()
{
    mBanner = makeBanner(this);
    mExplanation = new ExplanationView(mBanner, this);
    mOverlay = mExplanation->overlay();

    mCompare = new CompareView(this);
    mMethodsGrid = new MethodsGridView(this);
    connect(mMethodsGrid, &MethodsGridView::methodClicked, this, [this](const QString& id) {
        setMethod(id);
        mSession->setMethodsGrid(false);
    });
    mCentral = new QStackedWidget(this);
    mCentral->addWidget(mExplanation);
    mCentral->addWidget(mCompare);
    mCentral->addWidget(mMethodsGrid);

    mBatchView = new BatchView(mSession, this);
    connect(mBatchView, &BatchView::imageRequested, this, &MainWindow::openBatchImage);
    connect(mBatchView, &BatchView::exportRequested, this, &MainWindow::exportBatchReports);
    mPages = new QStackedWidget(this);
    mPages->addWidget(mCentral);
    mPages->addWidget(mBatchView);
    mPageTabs = new QTabBar(this);
    mPageTabs->setObjectName(QStringLiteral("pageTabs"));
    mPageTabs->setDocumentMode(true);
    mPageTabs->setDrawBase(true);
    mPageTabs->setExpanding(false);
    mPageTabs->addTab(tr("Image"));
    mPageTabs->addTab(tr("Batch"));
    mPageTabs->setTabToolTip(0, tr("The image shown with its heatmaps, feature maps and network"));
    mPageTabs->setTabToolTip(1, tr("The folder batch: every image's predictions, progress and accuracy"));
    mPageTabs->hide();  // until there is a batch
    connect(mPageTabs, &QTabBar::currentChanged, this, [this](int index) { showBatchPage(index == 1); });

    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    mMessages = new MessageBar(central);
    auto* messageHolder = new QWidget(central);
    auto* messageLayout = new QVBoxLayout(messageHolder);
    messageLayout->setContentsMargins(8, 8, 8, 0);
    messageLayout->addWidget(mMessages);
    centralLayout->addWidget(messageHolder);
    auto* tabHolder = new QWidget(central);
    auto* tabLayout = new QHBoxLayout(tabHolder);
    tabLayout->setContentsMargins(8, 4, 8, 0);
    tabLayout->addWidget(mPageTabs);
    tabLayout->addStretch(1);
    centralLayout->addWidget(tabHolder);
    centralLayout->addWidget(mPages, 1);
    setCentralWidget(central);

    auto addDock = [this](const QString& key, const QString& title, QWidget* widget, Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(key);
        dock->setWidget(widget);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
        addDockWidget(area, dock);
        mDocks[key] = dock;
        return dock;
    };

    mImages = new QListWidget(this);
    mImages->setViewMode(QListView::ListMode);
    mImages->setIconSize(QSize(48, 48));
    mImages->setUniformItemSizes(true);
    // Selection = shown: a click, the arrow keys or Home/End show the image selected.
    connect(mImages, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
        if (item && item->data(Qt::UserRole).toString() != mSession->imagePath())
            openImage(item->data(Qt::UserRole).toString());
    });
    mPredictions = new PredictionList(this);
    connect(mPredictions, &PredictionList::classSelected, this, &MainWindow::selectClass);
    mClassPicker = new ClassPicker(this);
    connect(mClassPicker, &ClassPicker::classPicked, this, &MainWindow::selectClass);
    auto* predictionsPanel = new QWidget(this);
    auto* predictionsLayout = new QVBoxLayout(predictionsPanel);
    predictionsLayout->setContentsMargins(0, 0, 0, 0);
    predictionsLayout->setSpacing(4);
    predictionsLayout->addWidget(mPredictions, 1);
    predictionsLayout->addWidget(mClassPicker);
    mDiagram = new NetworkDiagram(this);
    connect(mDiagram, &NetworkDiagram::blockSelected, this, &MainWindow::selectLayer);
    connect(mDiagram, &NetworkDiagram::blockSelected, this, [this](const QString& block) { mProperties->showBlock(block); });
    connect(mDiagram, &NetworkDiagram::camTargetRequested, this, &MainWindow::setCamTarget);
    // A layer clicked in the diagram: its row in the Layers tab (blockSelected, emitted first, filled the table).
    connect(mDiagram, &NetworkDiagram::layerSelected, this, [this](const QString& layer) {
        QTreeWidget* table = mProperties->table();
        for (int i = 0; i < table->topLevelItemCount(); ++i)
            if (table->topLevelItem(i)->toolTip(0) == layer)
                table->setCurrentItem(table->topLevelItem(i));
    });
    // The diagram's orientation is a view preference, kept as the theme is (ui/theme.cpp).
    mDiagram->setOrientation(QSettings().value(QStringLiteral("ui/diagramOrientation")).toString() ==
                                     QLatin1String("horizontal")
                                 ? Qt::Horizontal
                                 : Qt::Vertical);
    connect(mDiagram, &NetworkDiagram::orientationChanged, this, [](Qt::Orientation orientation) {
        QSettings().setValue(QStringLiteral("ui/diagramOrientation"),
                             orientation == Qt::Horizontal ? QStringLiteral("horizontal") : QStringLiteral("vertical"));
    });
    mGrid = new FeatureMapGrid(this);
    connect(mGrid, &FeatureMapGrid::sharedScaleToggled, mSession, &AnalysisSession::setSharedTileScale);
    connect(mGrid, &FeatureMapGrid::channelActivated, this, &MainWindow::showExemplars);
    mWeightsPanel = new WeightsPanel(this);
    // The panel edits the session's settings in place; the session saves them and re-runs what they affect.
    connect(mWeightsPanel, &WeightsPanel::weightsChanged, mSession, &AnalysisSession::settingsEdited);
    // Offline, the failure says exactly which file to put where (the resolver's folders), so the user can copy it.
    connect(mWeightsPanel, &WeightsPanel::downloadFailed, this, [this](const QString& modelId, const QString& message) {
        const QString where = mSession->missingWeightsMessage(modelId);
        mMessages->show(MessageBar::Level::Error,
                        where.isEmpty() ? message : tr("%1\nWithout a network: %2 Then press F5.").arg(message, where),
                        {{tr("Try Again"), [this, modelId] { mWeightsPanel->startDownload(modelId); }},
                         {tr("Set a Mirror…"), [this] { editSettings(); }}});
    });

    auto* left = addDock(QStringLiteral("predictions"), tr("Predictions"), withBanner(predictionsPanel), Qt::LeftDockWidgetArea);
    auto* images = addDock(QStringLiteral("images"), tr("Images"), mImages, Qt::LeftDockWidgetArea);
    splitDockWidget(left, images, Qt::Vertical);
    addDock(QStringLiteral("diagram"), tr("Network"), mDiagram, Qt::RightDockWidgetArea);
    auto* features = addDock(QStringLiteral("features"), tr("Feature maps"), withBanner(mGrid), Qt::BottomDockWidgetArea);
    auto* weights = addDock(QStringLiteral("weights"), tr("Weights"), mWeightsPanel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(features, weights);
    // The selected block's layers (its properties, as Netron shows a node's): a wide table, so beside the tiles.
    mProperties = new LayerPropertiesView(this);
    auto* layers = addDock(QStringLiteral("layers"), tr("Layers"), mProperties, Qt::BottomDockWidgetArea);
    tabifyDockWidget(features, layers);
    features->raise();
    images->hide();  // shown when a folder or several images are opened

    mJobStatus = new JobStatusWidget(mSession->jobs(), this);
    statusBar()->addPermanentWidget(mJobStatus);
}

QLabel* MainWindow::makeBanner(QWidget* parent)
{
    auto* banner = new QLabel(tr("Untrained weights — predictions are meaningless"), parent);
    banner->setAlignment(Qt::AlignCenter);
    banner->setWordWrap(true);
    banner->setStyleSheet(QStringLiteral(
        "QLabel { background: #c0392b; color: white; font-weight: bold; padding: 6px; border-radius: 4px; }"));
    banner->hide();
    mBanners.push_back(banner);
    return banner;
}

QWidget* MainWindow::withBanner(QWidget* content)
{
    auto* holder = new QWidget(this);
    auto* layout = new QVBoxLayout(holder);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(makeBanner(holder));
    layout->addWidget(content, 1);
    return holder;
}

void MainWindow::setUntrainedBanners(bool untrained)
{
    for (QLabel* banner : mBanners)
        banner->setVisible(untrained);
}

bool MainWindow::untrainedBannerShown() const
{
    return !mBanners.empty() && std::all_of(mBanners.begin(), mBanners.end(),
                                            [](const QLabel* banner) { return !banner->isHidden(); });
}

void MainWindow::buildActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open Image…"), this,
                                    &MainWindow::openFileDialog);
    open->setShortcut(QKeySequence::Open);
    QAction* openFolder = file->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open &Folder…"),
                                          this, &MainWindow::openFolderDialog);
    openFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    mRecentMenu = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    QAction* paste = file->addAction(tr("&Paste Image"), this, &MainWindow::pasteImage);
    paste->setShortcut(QKeySequence::Paste);
    QAction* copy = file->addAction(tr("&Copy View as Image"), this, [this] { copyViewImage(); });
    copy->setShortcut(QKeySequence::Copy);
    copy->setToolTip(tr("The map shown (at the network's input resolution), or the methods grid or compare view as "
                        "on screen, to the clipboard"));
    file->addSeparator();
    QAction* exportAction = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton),
                                            tr("&Export Report…"), this, &MainWindow::exportReport);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addAction(tr("Export Maps as &NumPy…"), this, &MainWindow::exportArrays);
    file->addAction(tr("Export &Diagram…"), mDiagram, &NetworkDiagram::exportDiagram);
    file->addSeparator();
    QAction* settings = file->addAction(tr("&Settings…"), this, &MainWindow::editSettings);
    // Ctrl+, everywhere (the README's), beside the platform's own preferences key where it has one.
    QList<QKeySequence> settingsKeys{QKeySequence(Qt::CTRL | Qt::Key_Comma)};
    for (const QKeySequence& key : QKeySequence::keyBindings(QKeySequence::Preferences))
        if (!settingsKeys.contains(key))
            settingsKeys << key;
    settings->setShortcuts(settingsKeys);
    settings->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    mOverlayAction = view->addAction(tr("Show &Overlay"));
    mOverlayAction->setCheckable(true);
    mOverlayAction->setChecked(true);
    mOverlayAction->setShortcut(QKeySequence(Qt::Key_O));
    connect(mOverlayAction, &QAction::toggled, mOverlay, &OverlayView::setOverlayVisible);
    QAction* zoomIn = view->addAction(tr("Zoom &In"), mOverlay, &OverlayView::zoomIn);
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    QAction* zoomOut = view->addAction(tr("Zoom O&ut"), mOverlay, &OverlayView::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    QAction* fit = view->addAction(tr("Zoom to &Fit"), mOverlay, &OverlayView::zoomToFit);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    view->addSeparator();
    mCompareAction = view->addAction(tr("&Compare Models"));
    mCompareAction->setCheckable(true);
    mCompareAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(mCompareAction, &QAction::triggered, this, [this](bool on) {
        if (on && mSession->compareModels().size() < 2)
            chooseCompareModels();
        else
            setCompareMode(on);
    });
    view->addAction(tr("Choose Models to Compare…"), this, &MainWindow::chooseCompareModels);
    mMethodsGridAction = view->addAction(tr("&Methods Grid"));
    mMethodsGridAction->setCheckable(true);
    mMethodsGridAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
    mMethodsGridAction->setToolTip(tr("Every chosen heatmap method for the class side by side, on one scale"));
    connect(mMethodsGridAction, &QAction::triggered, this, &MainWindow::setMethodsGridShown);
    QMenu* gridMethods = view->addMenu(tr("Methods in the Grid"));
    for (const MethodInfo& info : methodCatalogue()) {
        const QString id = QString::fromStdString(info.id);
        QAction* action = gridMethods->addAction(info.name);
        action->setCheckable(true);
        action->setToolTip(info.description);
        action->setData(id);
        connect(action, &QAction::toggled, this, [this, gridMethods] {
            QStringList ids;
            for (QAction* a : gridMethods->actions())
                if (a->isChecked())
                    ids << a->data().toString();
            mSession->setGridMethods(ids);
        });
    }
    connect(gridMethods, &QMenu::aboutToShow, this, [this, gridMethods] {
        for (QAction* a : gridMethods->actions()) {
            const QSignalBlocker blocker(a);
            a->setChecked(mSession->settings().gridMethods.contains(a->data().toString()));
        }
    });
    mBatchAction = view->addAction(tr("&Batch Results"));
    mBatchAction->setCheckable(true);
    mBatchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
    mBatchAction->setToolTip(tr("The folder batch's results instead of the image"));
    connect(mBatchAction, &QAction::triggered, this, &MainWindow::showBatchPage);
    mClassScaleAction = view->addAction(tr("One Heatmap Scale for All Classes"));
    mClassScaleAction->setCheckable(true);
    mClassScaleAction->setObjectName(QStringLiteral("classScaleAction"));
    mClassScaleAction->setToolTip(tr("Normalise the maps of every top-K class together, so a weak class stays faint"));
    connect(mClassScaleAction, &QAction::toggled, this, &MainWindow::updateOverlay);
    mSharedScaleAction = view->addAction(tr("Shared Heatmap Scale in Compare"));
    mSharedScaleAction->setCheckable(true);
    mSharedScaleAction->setChecked(true);
    connect(mSharedScaleAction, &QAction::toggled, mCompare, &CompareView::setSharedScale);
    view->addSeparator();
    view->addAction(tr("Expand All Stages"), mDiagram, &NetworkDiagram::expandAll);
    view->addAction(tr("Collapse All Stages"), mDiagram, &NetworkDiagram::collapseAll);
    view->addAction(tr("Fit Diagram"), mDiagram, &NetworkDiagram::zoomToFit);
    QAction* leftToRight = view->addAction(tr("Diagram Left to Right"));
    leftToRight->setCheckable(true);
    leftToRight->setChecked(mDiagram->orientation() == Qt::Horizontal);
    connect(leftToRight, &QAction::toggled, mDiagram,
            [this](bool on) { mDiagram->setOrientation(on ? Qt::Horizontal : Qt::Vertical); });
    connect(mDiagram, &NetworkDiagram::orientationChanged, leftToRight,
            [leftToRight](Qt::Orientation orientation) { leftToRight->setChecked(orientation == Qt::Horizontal); });
    view->addSeparator();
    addThemeMenu(view);
    view->addSeparator();
    for (auto& [key, dock] : mDocks)
        view->addAction(dock->toggleViewAction());

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    QAction* cancel = analysis->addAction(tr("&Cancel All Jobs"), mSession, &AnalysisSession::cancelAll);
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    QAction* rerun = analysis->addAction(tr("&Re-run"), mSession, &AnalysisSession::refresh);
    rerun->setShortcut(QKeySequence::Refresh);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About ConvLens"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    auto* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolbar"));
    bar->setMovable(false);
    bar->addAction(open);
    bar->addAction(openFolder);
    bar->addSeparator();
    mControls = new ViewControls(bar, mSession->settings().colormap);
    mControls->showMethod(mSession->method());
    connect(mControls, &ViewControls::modelChosen, this, &MainWindow::setModel);
    connect(mControls, &ViewControls::methodChosen, this, &MainWindow::setMethod);
    auto applyColormap = [this] {
        mExplanation->setColormap(mControls->colormap());
        mCompare->setColormap(mControls->colormap());
        mMethodsGrid->setColormap(mControls->colormap());
    };
    connect(mControls, &ViewControls::colormapChanged, this, applyColormap);
    applyColormap();
    auto applyOpacity = [this] {
        mExplanation->setOpacity(mControls->opacity());
        mCompare->setOpacity(mControls->opacity());
        mMethodsGrid->setOpacity(mControls->opacity());
    };
    connect(mControls, &ViewControls::opacityChanged, this, applyOpacity);
    applyOpacity();
    bar->addSeparator();
    bar->addAction(mOverlayAction);
    bar->addAction(mCompareAction);
    bar->addAction(mMethodsGridAction);
    bar->addAction(fit);
}

// ---------------------------------------------------------------------------------------------------- session

void MainWindow::connectSession()
{
    AnalysisSession* s = mSession;
    connect(s, &AnalysisSession::registryLoaded, this, &MainWindow::onRegistryLoaded);
    connect(s, &AnalysisSession::registryFailed, this, [this](const QString& message) {
        showError(tr("The model registry could not be loaded.\n%1").arg(message));
        statusBar()->showMessage(tr("No models: fix the registry and restart."));
        Q_EMIT ready();
    });
    connect(s, &AnalysisSession::problem, this, &MainWindow::showError);
    connect(s, &AnalysisSession::warning, this,
            [this](const QString& text) { mMessages->show(MessageBar::Level::Warning, text); });
    connect(s, &AnalysisSession::imagesOpened, this, [this](const QStringList& images) {
        // The session shows the first image already; filling the list must not open another.
        const QSignalBlocker blocker(mImages);
        mImages->clear();
        for (const QString& image : images) {
            auto* item = new QListWidgetItem(QFileInfo(image).fileName(), mImages);
            item->setData(Qt::UserRole, image);
            item->setToolTip(QDir::toNativeSeparators(image));
        }
        if (images.size() > 1)
            mDocks[QStringLiteral("images")]->show();
        mImages->setCurrentRow(0);
    });
    connect(s, &AnalysisSession::thumbnailsReady, this, [this](const QList<QImage>& thumbs) {
        for (int i = 0; i < thumbs.size() && i < mImages->count(); ++i)
            if (!thumbs[i].isNull())
                mImages->item(i)->setIcon(QPixmap::fromImage(thumbs[i]));
    });
    connect(s, &AnalysisSession::imageChanged, this, [this](const QString& name) {
        setWindowTitle(QStringLiteral("%1 — ConvLens").arg(name));
        // The list selects the image shown, whoever opened it (the list, Open Recent, a batch row).
        const QSignalBlocker blocker(mImages);
        mImages->setCurrentRow(-1);
        for (int row = 0; row < mImages->count(); ++row)
            if (mImages->item(row)->data(Qt::UserRole).toString() == mSession->imagePath())
                mImages->setCurrentRow(row);
    });
    connect(s, &AnalysisSession::recentFilesChanged, this, &MainWindow::rebuildRecentMenu);
    connect(s, &AnalysisSession::modelChanged, this, &MainWindow::onModelChanged);
    connect(s, &AnalysisSession::methodChanged, this, [this](const QString& method) {
        mControls->showMethod(method);
        mCompare->setMethod(method);
        mMethodsGrid->setMethods(mSession->gridMethodsShown());
        updateOverlay();
        announceSlowMethod(method);
    });
    connect(s, &AnalysisSession::classChanged, this, [this](int classIndex) {
        mPredictions->selectClass(classIndex);
        mCompare->setClass(classIndex);
        mMethodsGrid->setClass(classIndex);
        updateOverlay();
    });
    connect(s, &AnalysisSession::layerChanged, this, [this](const QString& block) {
        mDiagram->selectBlock(block);
        mProperties->showBlock(block);
        if (ResultPtr result = mSession->result())
            for (const LayerResult& layer : result->layers)
                if (QString::fromStdString(layer.name) == block)
                    mGrid->setLayer(result, block);
    });
    connect(s, &AnalysisSession::camTargetChanged, this, [this](const QString&, const QString& block) {
        mDiagram->setCamTarget(block);
        statusBar()->showMessage(tr("Class activation maps now at %1").arg(block), 4000);
    });
    connect(s, &AnalysisSession::analysisStarted, this, [this](quint64 job, const QString& label) {
        mJobStatus->track(job, label);
        mMainJobId = job;
        mMethodsGrid->setMethods(mSession->gridMethodsShown());
        const QString what = tr("%1 with %2").arg(mSession->imageName(), mSession->modelName(mSession->model()));
        if (!mSession->result()) {
            mOverlay->setPlaceholder(tr("Analysing %1…").arg(what));
        } else if (currentImage() != mShownImage) {
            mExplanation->setStale(tr("Analysing %1… The map below is still the previous image's.").arg(what));
            mMethodsGrid->setStale(tr("Analysing %1… The maps below are still the previous image's.").arg(what));
        }
    });
    connect(s, &AnalysisSession::resultChanged, this, &MainWindow::showResult);
    connect(s, &AnalysisSession::analysisFailed, this, &MainWindow::showAnalysisError);
    connect(s, &AnalysisSession::analysisCancelled, this, [this] {
        // The methods still to come will not: their cells say so.
        mMethodsGrid->setResult(mSession->result(), false);
        if (mExplanation->isStale())
            mMethodsGrid->setStale(tr("Cancelled: the maps below are still the previous image's."));
        if (!mSession->result())
            mOverlay->setPlaceholder(tr("Cancelled. Press F5 to run again."));
        else if (mExplanation->isStale())
            mExplanation->setStale(tr("Cancelled: the map below is still the previous image's. Press F5 to analyse "
                                      "%1.")
                                       .arg(mSession->imageName()));
        else if (!mSession->result()->findCam(mSession->method(), mSession->classIndex()))
            mExplanation->setCaption(tr("%1 was cancelled: no map for this class. Press F5 to run it again.")
                                         .arg(methodName(mSession->method())));
    });
    connect(s, &AnalysisSession::weightsMissing, this, &MainWindow::showMissingWeights);
    connect(s, &AnalysisSession::compareActiveChanged, this, &MainWindow::onCompareActiveChanged);
    connect(s, &AnalysisSession::methodsGridChanged, this, &MainWindow::onMethodsGridChanged);
    connect(s->jobs(), &JobService::jobProgress, this, [this](quint64 id, double fraction, const QString& stage) {
        if (id == mMainJobId)
            mMethodsGrid->setProgress(fraction, stage);
    });
    connect(s, &AnalysisSession::compareStarted, this, [this](const QStringList&) { updateCompareCells(); });
    connect(s, &AnalysisSession::compareCellStarted, this,
            [this](const QString& modelId, quint64 job, const QString& label, bool untrained) {
                mCompare->setBanner(modelId, untrained ? tr("Untrained weights — predictions are meaningless")
                                                       : QString());
                mJobStatus->track(job, label);
            });
    connect(s, &AnalysisSession::compareCellProgress, mCompare, &CompareView::setProgress);
    connect(s, &AnalysisSession::compareCellFinished, this,
            [this](const QString& modelId, ResultPtr result, const QString& error) {
                if (result)
                    mCompare->setResult(modelId, result);
                else
                    mCompare->setError(modelId, error);
                Q_EMIT compareCellFinished(modelId);
            });
    connect(s, &AnalysisSession::arraysExported, this, [this](const QString& folder, const QStringList& files) {
        statusBar()->showMessage(tr("%1 arrays written to %2").arg(files.size()).arg(QDir::toNativeSeparators(folder)),
                                 6000);
    });
    connect(s, &AnalysisSession::arraysExportFailed, this, [this](const QString& message) {
        statusBar()->clearMessage();
        showError(tr("The arrays could not be written.\n%1").arg(message));
    });
    connect(s, &AnalysisSession::descriptionReady, this, [this](const QString& modelId) {
        if (modelId == mSession->model())
            showDescription(modelId);
    });
    connect(s, &AnalysisSession::descriptionFailed, this, [this](const QString& modelId, const QString& message) {
        showError(tr("The network diagram of %1 could not be built.\n%2").arg(mSession->modelName(modelId), message));
        if (modelId == mSession->model())
            mDiagram->setPlaceholder(tr("The diagram of %1 could not be built (see the message above).")
                                         .arg(mSession->modelName(modelId)));
    });
}

void MainWindow::onRegistryLoaded()
{
    const ModelRegistry* registry = mSession->registry();
    mControls->setModels(registry->models());
    mControls->showModel(mSession->model());
    mWeightsPanel->setModels(registry->models(), mSession->editableSettings());
    statusBar()->showMessage(tr("%1 models ready").arg(registry->models().size()), 4000);
    Q_EMIT ready();
}

void MainWindow::onModelChanged(const QString& modelId)
{
    mControls->showModel(modelId);
    setUntrainedBanners(false);
    mPredictions->clear();
    const ModelSpec* spec = mSession->spec(modelId);
    mClassPicker->setLabels(spec ? spec->labels : std::vector<std::string>{});
    mGrid->clear();
    mExplanation->clear();
    if (!mSession->description(modelId)) {
        mDiagram->clear();
        mProperties->setDescription(nullptr);
        mDiagram->setPlaceholder(tr("Loading %1…").arg(mSession->modelName(modelId)));
    }
}

bool MainWindow::compareMode() const
{
    return mCentral->currentWidget() == mCompare;
}

// ---------------------------------------------------------------------------------------------- user actions

QImage MainWindow::copyViewImage() const
{
    QImage image;
    if (mCentral->currentWidget() == mExplanation)
        image = mOverlay->composedImage();
    else if (mPages->currentWidget() == mCentral && mSession->result())
        image = mCentral->currentWidget()->grab().toImage();
    if (!image.isNull())
        QApplication::clipboard()->setImage(image);
    return image;
}

void MainWindow::exportArrays()
{
    const ResultPtr result = mSession->result();
    if (!result) {
        showError(tr("Nothing to export yet.\nOpen an image and wait for its analysis."));
        return;
    }
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export Maps as NumPy Arrays To"));
    if (folder.isEmpty())
        return;
    const QString into = folder + QLatin1Char('/') + QFileInfo(mSession->imageName()).completeBaseName() +
                         QLatin1Char('-') + mSession->model();
    // The layers' whole outputs come from a short analysis (its forward pass reused); the session writes all.
    statusBar()->showMessage(tr("Exporting the maps and the layers' outputs…"));
    mSession->exportArrays(into);
}

void MainWindow::pasteImage()
{
    const QImage image = QApplication::clipboard()->image();
    if (image.isNull()) {
        showError(tr("The clipboard holds no image.\nCopy an image in another program, then paste again."));
        return;
    }
    mSession->openImagePixels(image, tr("pasted image"));
}

void MainWindow::setCompareMode(bool on)
{
    mSession->setCompareActive(on);
    mCompareAction->setChecked(mSession->compareActive());
}

void MainWindow::onCompareActiveChanged(bool on)
{
    mCompareAction->setChecked(on);
    showBatchPage(false);  // the grid is what the user asked to see
    if (on != compareMode()) {
        // The grid needs the room; the single-model docks come back as they were when compare mode ends.
        for (const QString& key : {QStringLiteral("features"), QStringLiteral("weights"), QStringLiteral("diagram"),
                                   QStringLiteral("layers")}) {
            QDockWidget* dock = mDocks[key];
            if (on) {
                mDocksBeforeCompare[key] = dock->isVisible();
                dock->hide();
            } else if (mDocksBeforeCompare.count(key)) {
                dock->setVisible(mDocksBeforeCompare[key]);
            }
        }
        if (!on) {
            for (const QString& key : {QStringLiteral("features"), QStringLiteral("diagram")})
                if (mDocks[key]->isVisible())
                    mDocks[key]->raise();
        }
    }
    if (on)
        updateCompareCells();
    showCentralPage();
}

void MainWindow::onMethodsGridChanged(bool on)
{
    mMethodsGridAction->setChecked(on);
    if (on) {
        showBatchPage(false);
        mMethodsGrid->setMethods(mSession->gridMethodsShown());
        mMethodsGrid->setClass(mSession->classIndex());
        mMethodsGrid->setResult(mSession->result(), mSession->resultPartial());
    }
    showCentralPage();
}

bool MainWindow::methodsGridShown() const
{
    return mCentral->currentWidget() == mMethodsGrid;
}

void MainWindow::showCentralPage()
{
    QWidget* page = mExplanation;
    if (mSession->compareActive())
        page = mCompare;
    else if (mSession->methodsGrid())
        page = mMethodsGrid;
    mCentral->setCurrentWidget(page);
}

void MainWindow::updateCompareCells()
{
    std::vector<std::pair<QString, QString>> cells;
    for (const QString& id : mSession->compareModels())
        cells.emplace_back(id, mSession->modelName(id));
    mCompare->setModels(cells);
    mCompare->setMethod(mSession->method());
    mCompare->setClass(mSession->classIndex());
}

// ------------------------------------------------------------------------------------------------- results

QString MainWindow::currentImage() const
{
    return mSession->imagePath().isEmpty() ? mSession->imageName() : mSession->imagePath();
}

void MainWindow::showResult(const ResultPtr& result)
{
    mShownImage = currentImage();
    mExplanation->setStale({});
    mMethodsGrid->setStale({});
    mMethodsGrid->setClass(mSession->classIndex());
    mMethodsGrid->setResult(result, mSession->resultPartial());
    setUntrainedBanners(result->weights.empty());
    mPredictions->setPrediction(result->prediction);
    mPredictions->selectClass(mSession->classIndex());
    updateOverlay();  // sets the image: the photo, or a guided method's own image

    mGrid->setSharedScale(mSession->sharedTileScale());
    mGrid->setLayer(result, mSession->layer(), mSession->resultPartial());
    mDiagram->selectBlock(mSession->layer());

    const auto total = result->timingsMs.find("total");
    if (mSession->resultPartial())
        statusBar()->showMessage(tr("First map in %1 ms; the rest follows…").arg(mSession->firstResultMs()), 6000);
    else if (mSession->resultFromCache() || total == result->timingsMs.end())
        // The stored timings are those of the first analysis, not of this answer.
        statusBar()->showMessage(mSession->resultWaitMs() >= 0
                                     ? tr("From the cache in %1 ms").arg(mSession->resultWaitMs())
                                     : tr("From the cache"),
                                 6000);
    else
        statusBar()->showMessage(tr("Analysed in %1 ms").arg(total->second, 0, 'f', 0), 6000);
    // A result of this model: its missing-weights message is answered.
    if (mWeightsMessage) {
        mMessages->dismiss(mWeightsMessage);
        mWeightsMessage = 0;
    }
    Q_EMIT resultShown();
}

void MainWindow::updateOverlay()
{
    mExplanation->showResult(mSession->result(), mSession->method(), mSession->classIndex(),
                             mClassScaleAction->isChecked(), mSession->resultPartial());
}

void MainWindow::showDescription(const QString& modelId)
{
    const auto description = mSession->description(modelId);
    if (!description)
        return;
    mDiagram->setDescription(*description);
    mDiagram->setCamTarget(mSession->camTarget(modelId));
    mProperties->setDescription(description);
    if (!mSession->layer().isEmpty()) {
        mDiagram->selectBlock(mSession->layer());
        mProperties->showBlock(mSession->layer());
    }
    Q_EMIT descriptionShown(modelId);
}

// --------------------------------------------------------------------------------------------- messages, misc

void MainWindow::announceSlowMethod(const QString& method)
{
    // Score-CAM runs one forward pass per channel, the guided methods a backward pass through the whole network
    // per class: say how long before the user waits, and how to stop it. The note goes with its method.
    if (mSlowMethodMessage >= 0) {
        mMessages->dismiss(mSlowMethodMessage);
        mSlowMethodMessage = -1;
    }
    const auto estimate = mSession->estimate(method);
    if (!estimate || estimate->seconds < kSlowAnalysisSeconds)
        return;
    const MethodInfo* info = findMethod(method);
    QString what = info && !info->costNote.isEmpty() ? info->costNote : tr("its passes through the network");
    if (what.contains(QLatin1String("%1")))
        what = what.arg(mSession->camTarget(mSession->model()), QLocale().toString(estimate->camChannels));
    if (mSession->settings().methodOptions.augSmooth && info && info->usesCamLayer && !info->explainsAtInput)
        what += tr(", six times (aug smooth)");
    if (mSession->settings().methodOptions.road)
        what += tr(", then ROAD (18 imputed images per map)");
    const auto seconds = static_cast<long long>(estimate->seconds + 0.5);
    const QString duration = seconds < 60 ? tr("%1 s").arg(seconds) : tr("%1 min %2 s").arg(seconds / 60).arg(seconds % 60);
    mSlowMethodMessage = mMessages->show(MessageBar::Level::Information,
                    tr("%1 on %2 runs %3: about %4 on this machine. Esc stops it.")
                        .arg(methodName(method), mSession->modelName(mSession->model()), what, duration));
}

void MainWindow::showError(const QString& text)
{
    mMessages->show(MessageBar::Level::Error, text);
}

void MainWindow::showAnalysisError(ErrorKind kind, const QString& message)
{
    if (kind == ErrorKind::Cancelled)
        return;
    showError(message);
    if (mExplanation->isStale())
        mExplanation->setStale(tr("The map below is the previous image's: %1 could not be analysed.")
                                   .arg(mSession->imageName()));
    if (!mSession->result())
        mOverlay->setPlaceholder(kind == ErrorKind::BadInput
                                     ? tr("This image cannot be analysed. Open another one.")
                                     : tr("No result. Open another image or choose another model."));
}

void MainWindow::showMissingWeights(const QString& modelId, const QString& message)
{
    const QString name = mSession->modelName(modelId);
    // Download first: on a first start this is what stands between the user and real predictions.
    mWeightsMessage = mMessages->show(
        MessageBar::Level::Warning, tr("%1 needs its trained weights to show real predictions.\n%2").arg(name, message),
        {{tr("Download"),
          [this, modelId] {
              // The panel shows the progress (bytes, rate, cancel); the analysis follows by itself.
              showDock(mWeightsPanel);
              mWeightsPanel->startDownload(modelId);
          }},
         {tr("Weights Panel…"), [this] { showDock(mWeightsPanel); }},
         {tr("Explore Untrained"), [this, modelId] {
              // The panel records it in the session's settings, whose re-run follows.
              mWeightsPanel->setUntrainedAllowed(modelId, true);
          }}});
    // Says what to do by itself: the message above may be closed while this stays.
    if (!mSession->result())
        mOverlay->setPlaceholder(tr("%1 has no weights yet.\nDownload them, or choose a checkpoint\nin the Weights "
                                    "panel (View ▸ Weights).")
                                     .arg(name));
}

void MainWindow::showDock(QWidget* widget, int size)
{
    for (auto& [key, dock] : mDocks)
        if (dock->widget() == widget || dock->widget()->isAncestorOf(widget)) {
            dock->show();
            dock->raise();
            if (size > 0)
                resizeDocks({dock}, {size}, dockWidgetArea(dock) == Qt::BottomDockWidgetArea ? Qt::Vertical
                                                                                             : Qt::Horizontal);
        }
}

void MainWindow::openPaths(const QStringList& paths)
{
    const Expected<bool> batch = mSession->openOrBatch(paths);
    if (!batch)
        showBatchError(batch.error());
    else if (*batch)
        showBatchPage(true);
}

void MainWindow::rebuildRecentMenu()
{
    mRecentMenu->clear();
    const QStringList recent = mSession->settings().recentFiles;
    for (const QString& path : recent)
        mRecentMenu->addAction(QDir::toNativeSeparators(path), this, [this, path] { openPaths({path}); });
    mRecentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::openFileDialog()
{
    QStringList filters;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        filters << QStringLiteral("*.") + QString::fromLatin1(format);
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Open Images"), QFileInfo(mSession->imagePath()).absolutePath(),
        tr("Images (%1);;All files (*)").arg(filters.join(QLatin1Char(' '))));
    if (!files.isEmpty())
        openPaths(files);
}

void MainWindow::openFolderDialog()
{
    if (!mSession->isReady()) {
        showError(tr("The models are still loading.\nOpen the folder again in a moment."));
        return;
    }
    QString folder = mSession->settings().batchFolder;
    if (folder.isEmpty() && !mSession->imagePath().isEmpty())
        folder = QFileInfo(mSession->imagePath()).absolutePath();
    QStringList models;
    for (const QString& id : mSession->batchModels())
        models << mSession->modelName(id);
    OpenFolderDialog dialog(folder, mSession->settings().listing(), models, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    mSession->rememberListing(dialog.folder(), dialog.listing());
    startBatch({dialog.folder()}, dialog.listing());
}

// ---------------------------------------------------------------------------------------------- batches

void MainWindow::startBatch(const QStringList& paths, const ListOptions& listing)
{
    const Expected<void> started = mSession->startBatch(paths, listing);
    if (!started) {
        showBatchError(started.error());
        return;
    }
    showBatchPage(true);
}

void MainWindow::showBatchError(const Error& error)
{
    if (error.kind == ErrorKind::Weights)
        mMessages->show(MessageBar::Level::Warning,
                        tr("The batch needs the weights of every model.\n%1").arg(QString::fromStdString(error.message)),
                        {{tr("Weights Panel…"), [this] { showDock(mWeightsPanel); }}});
    else
        showError(tr("The batch could not start.\n%1").arg(QString::fromStdString(error.message)));
}

bool MainWindow::batchPageShown() const
{
    return mPages->currentWidget() == mBatchView;
}

void MainWindow::showBatchPage(bool shown)
{
    if (shown)
        mPageTabs->show();
    if (shown != batchPageShown()) {
        // The batch page takes the window; the image's docks come back as they were.
        for (const QString& key : {QStringLiteral("predictions"), QStringLiteral("images"), QStringLiteral("diagram"),
                                   QStringLiteral("features"), QStringLiteral("weights"), QStringLiteral("layers")}) {
            QDockWidget* dock = mDocks[key];
            if (shown) {
                mDocksBeforeBatch[key] = dock->isVisible();
                dock->hide();
            } else if (mDocksBeforeBatch.count(key)) {
                dock->setVisible(mDocksBeforeBatch[key]);
            }
        }
        if (!shown)
            for (const QString& key : {QStringLiteral("features"), QStringLiteral("diagram")})
                if (mDocks[key]->isVisible())
                    mDocks[key]->raise();
        mPages->setCurrentWidget(shown ? static_cast<QWidget*>(mBatchView) : mCentral);
    }
    const QSignalBlocker blocker(mPageTabs);
    mPageTabs->setCurrentIndex(shown ? 1 : 0);
    mBatchAction->setChecked(shown);
}

void MainWindow::openBatchImage(const QString& path, const QString& modelId)
{
    if (!modelId.isEmpty() && !mSession->compareActive())
        setModel(modelId);
    showBatchPage(false);
    openImage(path);
}

void MainWindow::exportBatchReports()
{
    // Where the last reports went, else beside the batch's images.
    QSettings state;
    QString start = state.value(QStringLiteral("batch/exportFolder")).toString();
    if (start.isEmpty() || !QFileInfo(start).isDir())
        start = QFileInfo(mSession->batch()->plan().inputs.value(0)).absolutePath();
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Export Reports To"), start);
    if (folder.isEmpty())
        return;
    state.setValue(QStringLiteral("batch/exportFolder"), folder);
    const Expected<void> started = mSession->exportBatch(folder);
    if (!started)
        showError(tr("The reports could not be started.\n%1").arg(QString::fromStdString(started.message())));
}

void MainWindow::showExemplars(const QString& layer, int channel)
{
    const BatchSession* batch = mSession->batch();
    const ModelSpec* spec = mSession->spec(mSession->model());
    if (!spec || batch->records().empty())
        return;
    const ChannelExemplars exemplars = batch->exemplars(spec->id);
    // Only for the layer whose examples the batch kept (a stage name stands for its last block).
    if (exemplars.isEmpty() || channel < 0 || channel >= exemplars.channels() ||
        spec->resolveBlock(exemplars.layer()) != spec->resolveBlock(layer.toStdString()))
        return;
    if (!mExemplars) {
        mExemplars = new ExemplarsDialog(this);
        mExemplars->setModal(false);
        connect(mExemplars, &ExemplarsDialog::imageRequested, this,
                [this](const QString& path) { openBatchImage(path, {}); });
    }
    BatchTableModel* table = mBatchView->tableModel();
    const auto pathOf = [table](const QString& file) { return table->pathOfFile(file); };
    const auto thumbnail = [table](const QString& file) {
        const QImage kept = table->thumbnailOfFile(file);
        return kept.isNull() ? readThumbnail(table->pathOfFile(file), QSize(112, 112)) : kept;
    };
    mExemplars->setChannel(exemplars, channel, mSession->modelName(mSession->model()), thumbnail, pathOf);
    if (!mExemplars->isVisible()) {
        // Beside the large channel view the grid opens (on the side with room), not on top of it.
        const QWidget* channelView = mGrid->channelDialog();
        const QRect screenRect = screen() ? screen()->availableGeometry() : geometry();
        const QSize size = mExemplars->frameGeometry().size();
        QPoint at = frameGeometry().center() - QPoint(size.width() / 2, size.height() / 2);
        if (channelView && channelView->isVisible()) {
            const QRect beside = channelView->frameGeometry();
            if (screenRect.right() - beside.right() >= size.width() || beside.left() - screenRect.left() < size.width())
                at = QPoint(beside.right() + 1, beside.top());
            else
                at = QPoint(beside.left() - size.width(), beside.top());
        }
        at.setX(
            std::clamp(at.x(), screenRect.left(), std::max(screenRect.left(), screenRect.right() + 1 - size.width())));
        at.setY(
            std::clamp(at.y(), screenRect.top(), std::max(screenRect.top(), screenRect.bottom() + 1 - size.height())));
        mExemplars->move(at);
    }
    mExemplars->show();
    mExemplars->raise();
}

void MainWindow::chooseCompareModels()
{
    if (!mSession->isReady())
        return;
    const QStringList current = mSession->compareModels();
    CompareModelsDialog dialog(mSession->registry()->models(),
                               current.isEmpty() ? QStringList{mSession->model()} : current, this);
    if (dialog.exec() != QDialog::Accepted) {
        mCompareAction->setChecked(compareMode());
        return;
    }
    const QStringList ids = dialog.chosen();
    if (ids.size() < 2)
        mMessages->show(MessageBar::Level::Information, tr("Choose at least two models to compare."));
    setCompareModels(ids);
    mCompareAction->setChecked(compareMode());
}

void MainWindow::editSettings()
{
    SettingsDialog dialog(mSession->settings(), mSession->availableDevices(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    mSession->setSettings(dialog.settings());
    mControls->showColormap(mSession->settings().colormap);
    if (mSession->isReady())
        mWeightsPanel->refresh();
}

void MainWindow::exportReport()
{
    const bool compare = compareMode() && !mCompare->modelIds().isEmpty();
    if (!mSession->result() && !compare) {
        showError(tr("Nothing to export yet.\nOpen an image and wait for its analysis."));
        return;
    }
    ReportExport initial = mLastExport;
    // What the window shows is what the user most likely wants on paper.
    if (compare)
        initial.page = ReportExport::Page::Compare;
    else if (methodsGridShown())
        initial.page = ReportExport::Page::MethodsGrid;
    else if (initial.page == ReportExport::Page::Compare || initial.page == ReportExport::Page::MethodsGrid)
        initial.page = ReportExport::Page::Card;
    ReportExportDialog dialog(initial, compare, mSession->result() != nullptr, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    const ReportExport choice = dialog.choice();
    mLastExport = choice;
    const QString suggested = mSession->reportFileName(choice);
    const QString filter = choice.pdf ? tr("PDF document (*.pdf)") : tr("PNG image (*.png)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Report"), suggested, filter);
    if (path.isEmpty())
        return;
    const Expected<void> written = exportReportTo(path, choice);
    if (!written)
        showError(tr("%1: the report could not be written: %2\nChoose a folder you can write to.")
                      .arg(QDir::toNativeSeparators(path), QString::fromStdString(written.message())));
    else
        statusBar()->showMessage(tr("Report written to %1").arg(QDir::toNativeSeparators(path)), 6000);
}

bool MainWindow::exportReportTo(const QString& path) const
{
    return exportReportTo(path, ReportExport{}).ok();
}

Expected<void> MainWindow::exportReportTo(const QString& path, const ReportExport& choice) const
{
    ReportLook look;
    look.colormap = mControls->colormap();
    look.opacity = mControls->opacity();
    look.banner = mBanner->isVisible() ? mBanner->text() : QString();
    look.compareSharedScale = mCompare->sharedScale();
    return mSession->exportReport(path, choice, look);
}

void MainWindow::about()
{
    QMessageBox::about(
        this, tr("About ConvLens"),
        tr("<h3>ConvLens %1</h3><p>What ImageNet CNNs see: predictions, feature maps and class activation maps "
           "for eleven torchvision models, computed natively with LibTorch.</p>"
           "<p>Grad-CAM family after pytorch-grad-cam; networks and weights after torchvision.</p>")
            .arg(QApplication::applicationVersion()));
}

// ---------------------------------------------------------------------------------------------- events

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasImage())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QMimeData* mime = event->mimeData();
    QStringList paths;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            paths << url.toLocalFile();
    if (!paths.isEmpty()) {
        event->acceptProposedAction();
        openPaths(paths);
    } else if (mime->hasImage()) {
        // Analysed from its bytes; the system clipboard is the user's and stays as it was.
        event->acceptProposedAction();
        mSession->openImagePixels(qvariant_cast<QImage>(mime->imageData()), tr("dropped image"));
    } else {
        showError(tr("Only local files and folders can be dropped here."));
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    mSession->settings().save();
    mSession->cancelAll();
    QMainWindow::closeEvent(event);
}

}  // namespace convlens
