#include "ui/mainwindow.h"

#include "core/common/datapaths.h"
#include "core/inspect/camscale.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/networkdescription.h"
#include "core/jobs/analysisrequest.h"
#include "core/jobs/jobservice.h"
#include "core/registry/modelregistry.h"
#include "ui/colorbarwidget.h"
#include "ui/compareview.h"
#include "ui/featuremapgrid.h"
#include "ui/jobstatuswidget.h"
#include "ui/messagebar.h"
#include "ui/networkdiagram.h"
#include "ui/overlayview.h"
#include "ui/predictionlist.h"
#include "core/report/reportimage.h"
#include "ui/settingsdialog.h"
#include "ui/theme.h"
#include "ui/weightspanel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSlider>
#include <QStackedWidget>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace convlens {

namespace {

struct MethodInfo {
    const char* id;
    const char* name;
};

// The engine's CAM methods in menu order (ids are core/inspect's).
constexpr MethodInfo kMethods[] = {
    {"gradcam", "Grad-CAM"},      {"gradcampp", "Grad-CAM++"},     {"xgradcam", "XGrad-CAM"},
    {"layercam", "LayerCAM"},     {"hirescam", "HiResCAM"},        {"eigencam", "EigenCAM"},
    {"scorecam", "Score-CAM"},    {"guided", "Guided backprop"}, {"guidedgradcam", "Guided Grad-CAM"},
};

QStringList methodIds()
{
    QStringList ids;
    for (const MethodInfo& method : kMethods)
        ids << QString::fromLatin1(method.id);
    return ids;
}

QString methodName(const QString& id)
{
    for (const MethodInfo& method : kMethods)
        if (id == QLatin1String(method.id))
            return QString::fromLatin1(method.name);
    return id;
}

bool isImageFile(const QFileInfo& info)
{
    static const QStringList suffixes = [] {
        QStringList list;
        for (const QByteArray& format : QImageReader::supportedImageFormats())
            list << QString::fromLatin1(format).toLower();
        return list;
    }();
    return info.isFile() && suffixes.contains(info.suffix().toLower());
}

constexpr int kMaxRecent = 10;

}  // namespace

struct MainWindow::Request {
    AnalysisRequest request;
    QString banner;  // non-empty for untrained weights
};

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), mOptions(std::move(options)), mSettings(AppSettings::load())
{
    setWindowTitle(QStringLiteral("ConvLens"));
    setWindowIcon(QIcon(QStringLiteral(":/convlens/convlens.png")));
    setAcceptDrops(true);
    mSettings.apply();
    mMethod = mSettings.method;

    mJobs = new JobService(this);
    ResultCacheConfig cacheConfig = ResultCacheConfig::fromEnvironment(mOptions.persistentCache && mSettings.diskCache);
    if (!qEnvironmentVariableIsSet("CACHE_MAX_ITEMS"))
        cacheConfig.maxItems = std::max(1, mSettings.cacheItems);
    auto cache = std::make_shared<ResultCache>(cacheConfig);
    mEngine = std::make_shared<AnalysisEngine>(cache);
    connect(mJobs, &JobService::jobFinished, this, &MainWindow::onJobFinished);
    connect(mJobs, &JobService::jobProgress, this, &MainWindow::onJobProgress);

    buildLayout();
    buildActions();
    resize(1440, 900);

    // The registry builds every network once to validate the block names (about a second): off the GUI thread.
    statusBar()->showMessage(tr("Loading the model registry…"));
    const std::string userPath = mOptions.userRegistry.toStdString();
    auto* watcher = new QFutureWatcher<Expected<ModelRegistry>>(this);
    connect(watcher, &QFutureWatcher<Expected<ModelRegistry>>::finished, this, [this, watcher] {
        Expected<ModelRegistry> loaded = watcher->result();
        watcher->deleteLater();
        if (!loaded) {
            showError(tr("The model registry could not be loaded.\n%1")
                          .arg(QString::fromStdString(loaded.message())));
            statusBar()->showMessage(tr("No models: fix the registry and restart."));
            Q_EMIT ready();
            return;
        }
        mRegistry = std::make_unique<ModelRegistry>(std::move(loaded.value()));
        onRegistryLoaded();
    });
    watcher->setFuture(QtConcurrent::run([userPath] { return ModelRegistry::loadWithUser(userPath); }));
}

MainWindow::~MainWindow()
{
    mJobs->shutdown();
}

// ---------------------------------------------------------------------------------------------------- layout

void MainWindow::buildLayout()
{
    auto* mainPage = new QWidget(this);
    auto* mainLayout = new QVBoxLayout(mainPage);
    mainLayout->setContentsMargins(8, 8, 8, 8);
    mainLayout->setSpacing(6);
    mBanner = makeBanner(mainPage);
    mOverlay = new OverlayView(mainPage);
    mOverlay->setPlaceholder(tr("Drop a photo or a folder here, or use File ▸ Open."));
    auto* legend = new QHBoxLayout;
    mColorBar = new ColorBarWidget(mainPage);
    mColorBar->setLabels(tr("low"), tr("high"));
    mCamInfo = new QLabel(mainPage);
    mCamInfo->setTextFormat(Qt::RichText);
    mCamInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    legend->addWidget(mColorBar, 1);
    legend->addSpacing(12);
    legend->addWidget(mCamInfo, 2);
    mainLayout->addWidget(mBanner);
    mainLayout->addWidget(mOverlay, 1);
    mainLayout->addLayout(legend);

    mCompare = new CompareView(this);
    mCentral = new QStackedWidget(this);
    mCentral->addWidget(mainPage);
    mCentral->addWidget(mCompare);

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
    centralLayout->addWidget(mCentral, 1);
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
    connect(mImages, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { openImage(item->data(Qt::UserRole).toString()); });
    connect(mImages, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { openImage(item->data(Qt::UserRole).toString()); });
    mPredictions = new PredictionList(this);
    connect(mPredictions, &PredictionList::classSelected, this, &MainWindow::selectClass);
    mDiagram = new NetworkDiagram(this);
    connect(mDiagram, &NetworkDiagram::blockSelected, this, &MainWindow::selectLayer);
    connect(mDiagram, &NetworkDiagram::camTargetRequested, this, &MainWindow::setCamTarget);
    mGrid = new FeatureMapGrid(this);
    connect(mGrid, &FeatureMapGrid::sharedScaleToggled, this, [this](bool shared) {
        mSharedTileScale = shared;
        requestAnalysis();
    });
    mWeightsPanel = new WeightsPanel(this);
    connect(mWeightsPanel, &WeightsPanel::settingsChanged, this, [this](const AppSettings& settings) {
        mSettings.weightsFiles = settings.weightsFiles;
        mSettings.untrainedAllowed = settings.untrainedAllowed;
        mSettings.save();
    });
    connect(mWeightsPanel, &WeightsPanel::weightsChanged, this, [this](const QString& modelId) {
        if (modelId == mModel)
            requestAnalysis();
        if (compareMode() && mCompareModels.contains(modelId))
            requestCompare();
    });
    connect(mWeightsPanel, &WeightsPanel::downloadFailed, this,
            [this](const QString&, const QString& message) { showError(message); });

    auto* left = addDock(QStringLiteral("predictions"), tr("Predictions"), withBanner(mPredictions), Qt::LeftDockWidgetArea);
    auto* images = addDock(QStringLiteral("images"), tr("Images"), mImages, Qt::LeftDockWidgetArea);
    splitDockWidget(left, images, Qt::Vertical);
    auto* diagram = addDock(QStringLiteral("diagram"), tr("Network"), mDiagram, Qt::RightDockWidgetArea);
    auto* features = addDock(QStringLiteral("features"), tr("Feature maps"), withBanner(mGrid), Qt::BottomDockWidgetArea);
    auto* weights = addDock(QStringLiteral("weights"), tr("Weights"), mWeightsPanel, Qt::BottomDockWidgetArea);
    tabifyDockWidget(features, weights);
    features->raise();
    images->hide();  // shown when a folder or several images are opened
    resizeDocks({left, diagram}, {300, 380}, Qt::Horizontal);
    resizeDocks({features}, {370}, Qt::Vertical);

    mJobStatus = new JobStatusWidget(mJobs, this);
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

void MainWindow::applyTheme(const QString& theme)
{
    convlens::applyTheme(theme);
    QSettings().setValue(QStringLiteral("ui/theme"), theme);
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
    file->addSeparator();
    QAction* exportAction = file->addAction(style()->standardIcon(QStyle::SP_DialogSaveButton),
                                            tr("&Export Report…"), this, &MainWindow::exportReport);
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    QAction* settings = file->addAction(tr("&Settings…"), this, &MainWindow::editSettings);
    settings->setShortcut(QKeySequence::Preferences);
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
        if (on && mCompareModels.size() < 2)
            chooseCompareModels();
        else
            setCompareMode(on);
    });
    view->addAction(tr("Choose Models to Compare…"), this, &MainWindow::chooseCompareModels);
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
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    const QString current = QSettings().value(QStringLiteral("ui/theme"), QStringLiteral("system")).toString();
    for (const auto& [id, name] : {std::pair{QStringLiteral("system"), tr("System")},
                                   std::pair{QStringLiteral("light"), tr("Light")},
                                   std::pair{QStringLiteral("dark"), tr("Dark")}}) {
        QAction* action = theme->addAction(name, this, [this, id = id] { applyTheme(id); });
        action->setCheckable(true);
        action->setChecked(id == current);
        themes->addAction(action);
    }
    if (current != QLatin1String("system"))
        applyTheme(current);
    view->addSeparator();
    for (auto& [key, dock] : mDocks)
        view->addAction(dock->toggleViewAction());

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    QAction* cancel = analysis->addAction(tr("&Cancel All Jobs"), mJobs, &JobService::cancelAll);
    cancel->setShortcut(QKeySequence(Qt::Key_Escape));
    QAction* rerun = analysis->addAction(tr("&Re-run"), this, &MainWindow::requestAnalysis);
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
    auto label = [bar](const QString& text) {
        auto* l = new QLabel(text, bar);
        l->setContentsMargins(8, 0, 4, 0);
        bar->addWidget(l);
    };
    label(tr("Model"));
    mModelBox = new QComboBox(bar);
    mModelBox->setMinimumContentsLength(18);
    mModelBox->setToolTip(tr("The network that analyses the image"));
    bar->addWidget(mModelBox);
    connect(mModelBox, &QComboBox::activated, this,
            [this](int index) { setModel(mModelBox->itemData(index).toString()); });
    label(tr("Method"));
    mMethodBox = new QComboBox(bar);
    for (const MethodInfo& method : kMethods)
        mMethodBox->addItem(QString::fromLatin1(method.name), QString::fromLatin1(method.id));
    mMethodBox->setCurrentIndex(std::max(0, mMethodBox->findData(mMethod)));
    connect(mMethodBox, &QComboBox::activated, this,
            [this](int index) { setMethod(mMethodBox->itemData(index).toString()); });
    bar->addWidget(mMethodBox);
    label(tr("Colormap"));
    mColormapBox = new QComboBox(bar);
    for (Colormap map : {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno})
        mColormapBox->addItem(colormapName(map), colormapName(map));
    mColormapBox->setCurrentIndex(std::max(0, mColormapBox->findData(mSettings.colormap)));
    auto applyColormap = [this] {
        const Colormap map = colormapFromName(mColormapBox->currentData().toString()).value_or(Colormap::Jet);
        mOverlay->setColormap(map);
        mColorBar->setColormap(map);
        mCompare->setColormap(map);
    };
    connect(mColormapBox, &QComboBox::currentIndexChanged, this, applyColormap);
    applyColormap();
    bar->addWidget(mColormapBox);
    label(tr("Opacity"));
    mOpacity = new QSlider(Qt::Horizontal, bar);
    mOpacity->setRange(0, 100);
    mOpacity->setValue(50);
    mOpacity->setFixedWidth(120);
    mOpacity->setToolTip(tr("Heatmap opacity"));
    connect(mOpacity, &QSlider::valueChanged, this, [this](int value) {
        mOverlay->setOpacity(static_cast<float>(value) / 100.0f);
        mCompare->setOpacity(static_cast<float>(value) / 100.0f);
    });
    bar->addWidget(mOpacity);
    mOverlay->setOpacity(0.5f);
    mCompare->setOpacity(0.5f);
    bar->addSeparator();
    bar->addAction(mOverlayAction);
    bar->addAction(mCompareAction);
    bar->addAction(fit);
}

// ------------------------------------------------------------------------------------------------- registry

void MainWindow::onRegistryLoaded()
{
    populateModels();
    mWeightsPanel->setModels(mRegistry->models(), mSettings);
    QString model = mSettings.selectedModels.value(0);
    if (!spec(model))
        model = spec(QStringLiteral("resnet50")) ? QStringLiteral("resnet50")
                                                 : QString::fromStdString(mRegistry->models().front().id);
    mModel.clear();
    statusBar()->showMessage(tr("%1 models ready").arg(mRegistry->models().size()), 4000);
    setModel(model);

    QStringList pending = std::exchange(mPendingPaths, {});
    if (pending.isEmpty() && mOptions.openSampleOnFirstStart && mImagePath.isEmpty()) {
        QSettings settings;
        if (!settings.value(QStringLiteral("state/firstStartDone"), false).toBool()) {
            settings.setValue(QStringLiteral("state/firstStartDone"), true);
            const QString sample = dataFile(QStringLiteral("resources/samples/chelsea.jpg"));
            if (QFileInfo::exists(sample))
                pending << sample;
        }
    }
    if (!pending.isEmpty())
        openPaths(pending);
    Q_EMIT ready();
}

void MainWindow::populateModels()
{
    mModelBox->clear();
    QString family;
    for (const ModelSpec& model : mRegistry->models()) {
        mModelBox->addItem(QString::fromStdString(model.displayName), QString::fromStdString(model.id));
        mModelBox->setItemData(mModelBox->count() - 1,
                               QStringLiteral("%1 · %2 classes · %3 px")
                                   .arg(QString::fromStdString(model.id))
                                   .arg(model.numClasses)
                                   .arg(model.preprocess.cropSize),
                               Qt::ToolTipRole);
    }
}

const ModelSpec* MainWindow::spec(const QString& id) const
{
    return mRegistry ? mRegistry->find(id.toStdString()) : nullptr;
}

QString MainWindow::modelName(const QString& id) const
{
    const ModelSpec* s = spec(id);
    return s ? QString::fromStdString(s->displayName) : id;
}

bool MainWindow::isReady() const
{
    return mRegistry != nullptr;
}

bool MainWindow::isBusy() const
{
    return !mJobs->isIdle() || !mDescribing.empty();
}

bool MainWindow::compareMode() const
{
    return mCentral->currentWidget() == mCompare;
}

// ---------------------------------------------------------------------------------------------- user actions

void MainWindow::openPaths(const QStringList& paths)
{
    if (!isReady()) {
        mPendingPaths << paths;
        return;
    }
    QStringList images;
    QStringList problems;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            QDir dir(path);
            const QFileInfoList entries = dir.entryInfoList(QDir::Files | QDir::Readable, QDir::Name);
            int found = 0;
            for (const QFileInfo& entry : entries)
                if (isImageFile(entry)) {
                    images << entry.absoluteFilePath();
                    ++found;
                }
            if (found == 0)
                problems << tr("%1: the folder holds no image files.").arg(QDir::toNativeSeparators(path));
        } else if (info.exists()) {
            images << info.absoluteFilePath();
        } else {
            problems << tr("%1: no such file.").arg(QDir::toNativeSeparators(path));
        }
    }
    for (const QString& problem : problems)
        showError(problem);
    if (images.isEmpty())
        return;

    mImages->clear();
    for (const QString& image : images) {
        auto* item = new QListWidgetItem(QFileInfo(image).fileName(), mImages);
        item->setData(Qt::UserRole, image);
        item->setToolTip(QDir::toNativeSeparators(image));
    }
    // Thumbnails are decoded on a worker (QImageReader scales while decoding, so big photos cost little) and
    // applied when they are all ready, unless another folder was opened meanwhile.
    const int generation = ++mThumbnailGeneration;
    auto* watcher = new QFutureWatcher<QList<QImage>>(this);
    connect(watcher, &QFutureWatcher<QList<QImage>>::finished, this, [this, watcher, generation] {
        const QList<QImage> thumbs = watcher->result();
        watcher->deleteLater();
        if (generation != mThumbnailGeneration)
            return;
        for (int i = 0; i < thumbs.size() && i < mImages->count(); ++i)
            if (!thumbs[i].isNull())
                mImages->item(i)->setIcon(QPixmap::fromImage(thumbs[i]));
    });
    watcher->setFuture(QtConcurrent::run([images] {
        QList<QImage> thumbs;
        for (const QString& image : images) {
            QImageReader reader(image);
            reader.setAutoTransform(true);
            const QSize size = reader.size();
            if (size.isValid() && static_cast<qint64>(size.width()) * size.height() < 100'000'000) {
                reader.setScaledSize(size.scaled(48, 48, Qt::KeepAspectRatio));
                thumbs << reader.read();
            } else {
                thumbs << QImage();
            }
        }
        return thumbs;
    }));
    if (images.size() > 1)
        mDocks[QStringLiteral("images")]->show();
    mImages->setCurrentRow(0);
    openImage(images.front());
}

void MainWindow::openImage(const QString& path)
{
    if (!isReady()) {
        mPendingPaths << path;
        return;
    }
    mImagePath = path;
    mPastedBytes.clear();
    mClass = -1;
    addRecent(path);
    setWindowTitle(QStringLiteral("%1 — ConvLens").arg(QFileInfo(path).fileName()));
    requestAnalysis();
    if (compareMode())
        requestCompare();
}

void MainWindow::pasteImage()
{
    const QImage image = QApplication::clipboard()->image();
    if (image.isNull()) {
        showError(tr("The clipboard holds no image.\nCopy an image in another program, then paste again."));
        return;
    }
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    mImagePath = tr("pasted image");
    mPastedBytes = bytes;
    mClass = -1;
    setWindowTitle(tr("Pasted image — ConvLens"));
    requestAnalysis();
    if (compareMode())
        requestCompare();
}

void MainWindow::setModel(const QString& modelId)
{
    const ModelSpec* s = spec(modelId);
    if (!s || modelId == mModel)
        return;
    mModel = modelId;
    mModelBox->setCurrentIndex(std::max(0, mModelBox->findData(modelId)));
    mSettings.selectedModels = QStringList{modelId};
    mSettings.save();
    mLayer = mCamTargets.count(modelId) ? mCamTargets[modelId] : QString::fromStdString(s->camTarget);
    mClass = -1;
    mResult.reset();
    setUntrainedBanners(false);
    mPredictions->clear();
    mGrid->clear();
    mOverlay->setHeatmap({}, 0);
    mCamInfo->clear();
    requestDescription(modelId);
    requestAnalysis();
}

void MainWindow::setMethod(const QString& method)
{
    if (!methodIds().contains(method))
        return;
    mMethod = method;
    mMethodBox->setCurrentIndex(std::max(0, mMethodBox->findData(method)));
    mCompare->setMethod(method);
    if (mResult && mResult->findCam(method, mClass >= 0 ? mClass : -2))
        updateOverlay();
    else
        requestAnalysis();
    if (compareMode())
        requestCompare();
}

void MainWindow::selectClass(int classIndex)
{
    mClass = classIndex;
    mPredictions->selectClass(classIndex);
    mCompare->setClass(classIndex);
    updateOverlay();
}

void MainWindow::selectLayer(const QString& block)
{
    const ModelSpec* s = spec(mModel);
    if (!s)
        return;
    mLayer = block;
    mDiagram->selectBlock(block);
    if (mResult) {
        for (const LayerResult& layer : mResult->layers)
            if (QString::fromStdString(layer.name) == block) {
                mGrid->setLayer(mResult, block);
                return;
            }
    }
    // Not summarised yet: summarise it too (the forward pass is repeated; the cache key changes).
    const auto& taps = s->taps;
    if (std::find(taps.begin(), taps.end(), block.toStdString()) == taps.end())
        mExtraTaps[mModel].insert(block);
    requestAnalysis();
}

void MainWindow::setCamTarget(const QString& block)
{
    if (!spec(mModel))
        return;
    mCamTargets[mModel] = block;
    mDiagram->setCamTarget(block);
    statusBar()->showMessage(tr("Class activation maps now at %1").arg(block), 4000);
    requestAnalysis();
}

void MainWindow::setCompareModels(const QStringList& modelIds)
{
    QStringList ids;
    for (const QString& id : modelIds)
        if (spec(id) && !ids.contains(id))
            ids << id;
    mCompareModels = ids;
    if (ids.size() < 2) {
        setCompareMode(false);
        return;
    }
    std::vector<std::pair<QString, QString>> cells;
    for (const QString& id : ids)
        cells.emplace_back(id, modelName(id));
    mCompare->setModels(cells);
    mCompare->setMethod(mMethod);
    mCompare->setClass(mClass);
    setCompareMode(true);
}

void MainWindow::setCompareMode(bool on)
{
    on = on && mCompareModels.size() >= 2;
    mCompareAction->setChecked(on);
    if (on != compareMode()) {
        // The grid needs the room; the single-model docks come back as they were when compare mode ends.
        for (const QString& key : {QStringLiteral("features"), QStringLiteral("weights"), QStringLiteral("diagram")}) {
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
    mCentral->setCurrentWidget(on ? static_cast<QWidget*>(mCompare) : mCentral->widget(0));
    if (on)
        requestCompare();
}

// ------------------------------------------------------------------------------------------------ analysis

std::optional<MainWindow::Request> MainWindow::makeRequest(const QString& modelId, bool compare)
{
    const ModelSpec* s = spec(modelId);
    if (!s || (mImagePath.isEmpty() && mPastedBytes.isEmpty()))
        return std::nullopt;
    const WeightsStatus weights = resolveWeights(*s, mSettings);
    if (weights.kind == WeightsStatus::Kind::Missing) {
        if (compare)
            mCompare->setError(modelId, weights.message);
        else
            showMissingWeights(modelId, weights.message);
        return std::nullopt;
    }
    Request r;
    r.request.imagePath = mImagePath;
    r.request.imageBytes = mPastedBytes;
    r.request.spec = *s;
    r.request.weightsPath = weights.path;
    AnalysisOptions& options = r.request.options;
    options.topK = std::max(1, mSettings.topK);
    options.tilesPerLayer = std::max(0, mSettings.tilesPerLayer);
    options.sharedTileScale = mSharedTileScale;
    options.methods = {mMethod.toStdString()};
    if (compare) {
        options.tilesPerLayer = 1;
        options.topK = std::max(3, options.topK);
        if (mClass >= 0)
            options.camClasses = {mClass};
    } else {
        if (auto it = mCamTargets.find(modelId); it != mCamTargets.end())
            options.camLayer = it->second.toStdString();
        if (auto it = mExtraTaps.find(modelId); it != mExtraTaps.end() && !it->second.empty()) {
            // The registry's taps plus the blocks the user opened, in forward order.
            const std::vector<std::string> blocks = s->blocks();
            for (const std::string& block : blocks)
                if (std::find(s->taps.begin(), s->taps.end(), block) != s->taps.end() ||
                    it->second.count(QString::fromStdString(block)))
                    options.taps.push_back(block);
        }
    }
    if (weights.kind == WeightsStatus::Kind::Untrained)
        r.banner = tr("Untrained weights — predictions are meaningless");
    return r;
}

void MainWindow::requestAnalysis()
{
    std::optional<Request> r = makeRequest(mModel, false);
    if (!r) {
        if (mMainJob)
            mJobs->cancel(mMainJob);
        mMainJob = 0;
        return;
    }
    const QString label =
        QStringLiteral("%1 · %2").arg(modelName(mModel), QFileInfo(mImagePath).fileName().isEmpty()
                                                              ? mImagePath
                                                              : QFileInfo(mImagePath).fileName());
    mMainJob = mJobs->submitInteractive(QStringLiteral("main"), mEngine->makeWork(std::move(r->request)), label);
    mJobStatus->track(mMainJob, label);
    if (!mResult)
        mOverlay->setPlaceholder(tr("Analysing %1 with %2…").arg(QFileInfo(mImagePath).fileName(), modelName(mModel)));
}

void MainWindow::requestCompare()
{
    if (mCompareModels.size() < 2 || (mImagePath.isEmpty() && mPastedBytes.isEmpty()))
        return;
    for (auto& [job, model] : mCompareJobs)
        mJobs->cancel(job);
    mCompareJobs.clear();
    std::vector<std::pair<QString, QString>> cells;
    for (const QString& id : mCompareModels)
        cells.emplace_back(id, modelName(id));
    mCompare->setModels(cells);
    mCompare->setMethod(mMethod);
    mCompare->setClass(mClass);
    for (const QString& id : mCompareModels) {
        std::optional<Request> r = makeRequest(id, true);
        if (!r)
            continue;
        mCompare->setBanner(id, r->banner);
        const QString label = tr("Compare · %1").arg(modelName(id));
        const JobId job = mJobs->submitInteractive(QStringLiteral("compare-") + id,
                                                   mEngine->makeWork(std::move(r->request)), label);
        mCompareJobs[job] = id;
        mJobStatus->track(job, label);
    }
}

void MainWindow::onJobProgress(JobId id, double fraction, const QString& stage)
{
    if (auto it = mCompareJobs.find(id); it != mCompareJobs.end())
        mCompare->setProgress(it->second, fraction, stage);
}

void MainWindow::onJobFinished(JobId id, const JobOutcome& outcome)
{
    if (auto it = mCompareJobs.find(id); it != mCompareJobs.end()) {
        const QString model = it->second;
        mCompareJobs.erase(it);
        if (outcome.state == JobState::Succeeded)
            mCompare->setResult(model, outcome.result);
        else if (outcome.state == JobState::Failed)
            mCompare->setError(model, outcome.error);
        else
            mCompare->setError(model, tr("Cancelled."));
        Q_EMIT compareCellFinished(model);
        return;
    }
    if (id != mMainJob)
        return;
    mMainJob = 0;
    if (outcome.state == JobState::Succeeded) {
        showResult(outcome.result);
    } else if (outcome.state == JobState::Failed) {
        showError(outcome.error);
        if (!mResult)
            mOverlay->setPlaceholder(tr("No result. Open another image or choose another model."));
    } else if (!mResult) {
        mOverlay->setPlaceholder(tr("Cancelled. Press F5 to run again."));
    }
}

void MainWindow::showResult(ResultPtr result)
{
    mResult = std::move(result);
    setUntrainedBanners(mResult->weights.empty());
    mPredictions->setPrediction(mResult->prediction);
    if (mClass < 0 || !mPredictions->selectClass(mClass))
        mClass = mResult->prediction.top.empty() ? -1 : mResult->prediction.top.front().index;
    mPredictions->selectClass(mClass);
    updateOverlay();  // sets the image: the photo, or a guided method's own image

    bool hasLayer = false;
    for (const LayerResult& layer : mResult->layers)
        hasLayer = hasLayer || QString::fromStdString(layer.name) == mLayer;
    if (!hasLayer && !mResult->layers.empty())
        mLayer = QString::fromStdString(mResult->layers.back().name);
    mGrid->setSharedScale(mSharedTileScale);
    mGrid->setLayer(mResult, mLayer);
    mDiagram->selectBlock(mLayer);

    const auto total = mResult->timingsMs.find("total");
    statusBar()->showMessage(total == mResult->timingsMs.end()
                                 ? tr("Served from the cache")
                                 : tr("Analysed in %1 ms").arg(total->second, 0, 'f', 0),
                             6000);
    Q_EMIT resultShown();
}

void MainWindow::updateOverlay()
{
    mCompare->setClass(mClass);
    if (!mResult) {
        mCamInfo->clear();
        return;
    }
    const CamResult* cam = mResult->findCam(mMethod, mClass);
    if (!cam) {
        mOverlay->setImage(mResult->input);
        mOverlay->setHeatmap({}, 0);
        mCamInfo->setText(tr("No %1 map for this class yet.").arg(methodName(mMethod)));
        if (!mMainJob)
            requestAnalysis();
        return;
    }
    if (!cam->guided.empty()) {
        // Input-space explanations are images of their own, shown instead of the photo and its overlay.
        mOverlay->setImage(guidedImage(*cam));
        mOverlay->setHeatmap({}, 0);
    } else {
        mOverlay->setImage(mResult->input);
        if (mClassScaleAction->isChecked()) {
            // One scale over this method's maps of every explained class (core/inspect/camscale.h).
            std::vector<const CamResult*> cams;
            for (const CamResult& other : mResult->cams)
                if (other.method == cam->method)
                    cams.push_back(&other);
            mOverlay->setHeatmap(scaledHeatmap(*cam, sharedCamScale(cams)), cam->heatmapSize);
        } else {
            mOverlay->setHeatmap(cam->heatmap, cam->heatmapSize);
        }
    }
    mColorBar->setVisible(cam->guided.empty());
    const Faithfulness& f = cam->faithfulness;
    mCamInfo->setText(tr("<b>%1</b> for <b>%2</b> at <code>%3</code> &nbsp;·&nbsp; confidence %4 → %5 on "
                         "image × map (%6)")
                          .arg(methodName(mMethod), QString::fromStdString(cam->label).toHtmlEscaped(),
                               QString::fromStdString(cam->layer).toHtmlEscaped())
                          .arg(f.confidence, 0, 'f', 3)
                          .arg(f.maskedConfidence, 0, 'f', 3)
                          .arg(f.increase > 0 ? tr("increase") : tr("drop %1").arg(f.drop, 0, 'f', 3)));
}

void MainWindow::requestDescription(const QString& modelId)
{
    if (mDescriptions.count(modelId)) {
        showDescription(modelId);
        return;
    }
    mDiagram->clear();
    if (mDescribing.count(modelId) || !mRegistry)
        return;
    const ModelSpec* s = spec(modelId);
    mDescribing.insert(modelId);
    auto* watcher = new QFutureWatcher<Expected<NetworkDescription>>(this);
    connect(watcher, &QFutureWatcher<Expected<NetworkDescription>>::finished, this, [this, watcher, modelId] {
        Expected<NetworkDescription> description = watcher->result();
        watcher->deleteLater();
        mDescribing.erase(modelId);
        if (!description) {
            showError(tr("The network diagram of %1 could not be built.\n%2")
                          .arg(modelName(modelId), QString::fromStdString(description.message())));
            return;
        }
        mDescriptions[modelId] = std::make_shared<NetworkDescription>(std::move(description.value()));
        if (modelId == mModel)
            showDescription(modelId);
    });
    watcher->setFuture(QtConcurrent::run(
        [spec = *s, categories = mRegistry->categories()] { return describeNetwork(spec, categories); }));
}

void MainWindow::showDescription(const QString& modelId)
{
    mDiagram->setDescription(*mDescriptions.at(modelId));
    const ModelSpec* s = spec(modelId);
    mDiagram->setCamTarget(mCamTargets.count(modelId) ? mCamTargets[modelId] : QString::fromStdString(s->camTarget));
    if (!mLayer.isEmpty())
        mDiagram->selectBlock(mLayer);
    Q_EMIT descriptionShown(modelId);
}

// --------------------------------------------------------------------------------------------- messages, misc

void MainWindow::showError(const QString& text)
{
    mMessages->show(MessageBar::Level::Error, text);
}

void MainWindow::showMissingWeights(const QString& modelId, const QString& message)
{
    const QString id = modelId;
    mMessages->show(MessageBar::Level::Warning,
                    tr("%1 has no weights yet.\n%2").arg(modelName(modelId), message),
                    {{tr("Weights Panel…"), [this] { showDock(mWeightsPanel); }},
                     {tr("Download"),
                      [this, id] {
                          showDock(mWeightsPanel);
                          mWeightsPanel->startDownload(id);
                      }},
                     {tr("Explore Untrained"), [this, id] {
                          // The panel announces it: settingsChanged saves it, weightsChanged re-runs.
                          mWeightsPanel->setUntrainedAllowed(id, true);
                      }}});
    if (!mResult)
        mOverlay->setPlaceholder(tr("%1 needs its weights: see the message above.").arg(modelName(modelId)));
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

void MainWindow::addRecent(const QString& path)
{
    mSettings.recentFiles.removeAll(path);
    mSettings.recentFiles.prepend(path);
    while (mSettings.recentFiles.size() > kMaxRecent)
        mSettings.recentFiles.removeLast();
    mSettings.save();
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    mRecentMenu->clear();
    for (const QString& path : mSettings.recentFiles)
        mRecentMenu->addAction(QDir::toNativeSeparators(path), this, [this, path] { openPaths({path}); });
    mRecentMenu->setEnabled(!mSettings.recentFiles.isEmpty());
}

void MainWindow::openFileDialog()
{
    QStringList filters;
    for (const QByteArray& format : QImageReader::supportedImageFormats())
        filters << QStringLiteral("*.") + QString::fromLatin1(format);
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Open Images"), QFileInfo(mImagePath).absolutePath(),
        tr("Images (%1);;All files (*)").arg(filters.join(QLatin1Char(' '))));
    if (!files.isEmpty())
        openPaths(files);
}

void MainWindow::openFolderDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Folder"), QFileInfo(mImagePath).absolutePath());
    if (!dir.isEmpty())
        openPaths({dir});
}

void MainWindow::chooseCompareModels()
{
    if (!mRegistry)
        return;
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Compare Models"));
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Analyse the image with each of these models, side by side:"), &dialog));
    auto* list = new QListWidget(&dialog);
    for (const ModelSpec& model : mRegistry->models()) {
        auto* item = new QListWidgetItem(QString::fromStdString(model.displayName), list);
        item->setData(Qt::UserRole, QString::fromStdString(model.id));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        const bool chosen = mCompareModels.isEmpty() ? QString::fromStdString(model.id) == mModel
                                                     : mCompareModels.contains(QString::fromStdString(model.id));
        item->setCheckState(chosen ? Qt::Checked : Qt::Unchecked);
    }
    layout->addWidget(list);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted) {
        mCompareAction->setChecked(compareMode());
        return;
    }
    QStringList ids;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked)
            ids << list->item(i)->data(Qt::UserRole).toString();
    if (ids.size() < 2)
        mMessages->show(MessageBar::Level::Information, tr("Choose at least two models to compare."));
    setCompareModels(ids);
}

void MainWindow::editSettings()
{
    SettingsDialog dialog(mSettings, methodIds(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    mSettings = dialog.settings();
    mSettings.save();
    applySettings();
}

void MainWindow::applySettings()
{
    mSettings.apply();
    mColormapBox->setCurrentIndex(std::max(0, mColormapBox->findData(mSettings.colormap)));
    if (mRegistry)
        mWeightsPanel->refresh(mSettings);
    requestAnalysis();
    if (compareMode())
        requestCompare();
}

void MainWindow::exportReport()
{
    if (!mResult) {
        showError(tr("Nothing to export yet.\nOpen an image and wait for its analysis."));
        return;
    }
    const QString suggested = QFileInfo(mImagePath).completeBaseName() + QStringLiteral("-") + mModel +
                              QStringLiteral("-report.png");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Report"), suggested, tr("PNG image (*.png)"));
    if (path.isEmpty())
        return;
    if (!exportReportTo(path))
        showError(tr("%1: the report could not be written.\nChoose a folder you can write to.").arg(path));
    else
        statusBar()->showMessage(tr("Report written to %1").arg(QDir::toNativeSeparators(path)), 6000);
}

bool MainWindow::exportReportTo(const QString& path) const
{
    if (!mResult)
        return false;
    ReportOptions options;
    options.method = mMethod;
    options.classIndex = mClass;
    options.colormap = colormapFromName(mColormapBox->currentData().toString()).value_or(Colormap::Jet);
    options.opacity = static_cast<float>(mOpacity->value()) / 100.0f;
    options.layer = mLayer;
    options.modelName = modelName(mModel);
    options.imageName = QFileInfo(mImagePath).fileName();
    options.banner = mBanner->isVisible() ? mBanner->text() : QString();
    const QImage report = renderReport(*mResult, options);
    return !report.isNull() && report.save(path, "PNG");
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
        event->acceptProposedAction();
        QApplication::clipboard()->setImage(qvariant_cast<QImage>(mime->imageData()));
        pasteImage();
    } else {
        showError(tr("Only local files and folders can be dropped here."));
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    mSettings.save();
    mJobs->cancelAll();
    QMainWindow::closeEvent(event);
}

}  // namespace convlens
