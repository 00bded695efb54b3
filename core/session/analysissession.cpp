#include "core/session/analysissession.h"

#include "core/batch/batchbackend.h"
#include "core/common/cpupolicy.h"
#include "core/common/datapaths.h"
#include "core/common/handover.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/stagecosts.h"
#include "core/image/imagefile.h"
#include "core/jobs/jobservice.h"
#include "core/report/colormap.h"
#include "core/report/comparepage.h"
#include "core/report/reportimage.h"
#include "core/report/reportpage.h"
#include "core/report/resultimages.h"
#include "core/session/batchsession.h"
#include "core/weights/weightdownloader.h"

#include <QDateTime>
#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QImageReader>
#include <QSettings>
#include <QStandardPaths>
#include <QThreadPool>

#include <algorithm>

namespace convlens {

namespace {

const QString kMainView = QStringLiteral("main");
const QString kFirstStartKey = QStringLiteral("state/firstStartDone");
constexpr int kThumbnailSize = 48;

}  // namespace

AnalysisSession::AnalysisSession(std::shared_ptr<AnalysisBackend> backend, AppSettings settings,
                                 SessionOptions options, QObject* parent)
    : QObject(parent), mBackend(std::move(backend)), mSettings(std::move(settings)), mOptions(std::move(options))
{
    mMethod = findMethod(mSettings.method) ? mSettings.method : QStringLiteral("gradcam");
    mJobs = new JobService(this);
    connect(mJobs, &JobService::jobFinished, this, &AnalysisSession::onJobFinished);
    connect(mJobs, &JobService::jobProgress, this, &AnalysisSession::onJobProgress);
    connect(mJobs, &JobService::jobPartialResult, this, &AnalysisSession::onJobPartial);
    mBatch = new BatchSession(mJobs, nullptr, nullptr, this);
    applySettings();
}

AnalysisSession::~AnalysisSession()
{
    // The batch cancels its job through the service, which must still be there.
    delete mBatch;
    mBatch = nullptr;
    mJobs->shutdown();
}

// ---------------------------------------------------------------------------------------------------- registry

void AnalysisSession::loadRegistry()
{
    const std::string userPath = mOptions.userRegistry.toStdString();
    auto* watcher = new QFutureWatcher<Expected<ModelRegistry>>(this);
    auto pending = handover::run<Expected<ModelRegistry>>(
        *QThreadPool::globalInstance(), [userPath] { return ModelRegistry::loadWithUser(userPath); });
    connect(watcher, &QFutureWatcher<Expected<ModelRegistry>>::finished, this, [this, watcher, keep = pending.keep] {
        Expected<ModelRegistry> loaded = handover::resultOf(watcher->future());
        watcher->deleteLater();
        onRegistry(std::move(loaded));
    });
    watcher->setFuture(pending.future);
}

Expected<void> AnalysisSession::loadRegistryNow()
{
    Expected<ModelRegistry> loaded = ModelRegistry::loadWithUser(mOptions.userRegistry.toStdString());
    if (!loaded)
        return loaded.error();
    mRegistry = std::make_unique<ModelRegistry>(std::move(loaded.value()));
    return {};
}

void AnalysisSession::onRegistry(Expected<ModelRegistry> loaded)
{
    if (!loaded) {
        Q_EMIT registryFailed(QString::fromStdString(loaded.message()));
        return;
    }
    mRegistry = std::make_unique<ModelRegistry>(std::move(loaded.value()));
    QString model = mSettings.selectedModels.value(0);
    if (!spec(model))
        model = spec(QStringLiteral("resnet50")) ? QStringLiteral("resnet50")
                                                 : QString::fromStdString(mRegistry->models().front().id);
    setModel(model);
    Q_EMIT registryLoaded();

    QStringList pending = std::exchange(mPendingPaths, {});
    if (pending.isEmpty() && mOptions.openSampleOnFirstStart && !hasImage()) {
        QSettings state;
        if (!state.value(kFirstStartKey, false).toBool()) {
            state.setValue(kFirstStartKey, true);
            const QString sample = dataFile(QStringLiteral("resources/samples/chelsea.jpg"));
            if (QFileInfo::exists(sample))
                pending << sample;
        }
    }
    if (!pending.isEmpty())
        openPaths(pending);
}

const ModelSpec* AnalysisSession::spec(const QString& modelId) const
{
    return mRegistry ? mRegistry->find(modelId.toStdString()) : nullptr;
}

Expected<const ModelSpec*> AnalysisSession::findModel(const QString& modelId) const
{
    if (!mRegistry)
        return makeError(ErrorKind::Internal, "the model registry is not loaded yet");
    return mRegistry->require(modelId.toStdString());
}

QString AnalysisSession::modelName(const QString& modelId) const
{
    const ModelSpec* s = spec(modelId);
    return s ? QString::fromStdString(s->displayName) : modelId;
}

// ---------------------------------------------------------------------------------------------------- settings

void AnalysisSession::applySettings()
{
    mBackend->setThreads(mSettings.threads);
    if (Expected<std::string> device = mBackend->setDevice(mSettings.device.toStdString()); !device) {
        mBackend->setDevice("cpu");
        // Queued: at construction nobody listens yet.
        const QString message = tr("Settings: %1; running on the CPU instead.").arg(QString::fromStdString(device.message()));
        QMetaObject::invokeMethod(this, [this, message]() { Q_EMIT problem(message); }, Qt::QueuedConnection);
    }
    WeightDownloader::setMirror(mSettings.mirror.trimmed());
}

QStringList AnalysisSession::availableDevices() const
{
    QStringList devices;
    for (const std::string& device : mBackend->devices())
        devices << QString::fromStdString(device);
    return devices;
}

void AnalysisSession::setSettings(const AppSettings& settings)
{
    mSettings = settings;
    mSettings.save();
    applySettings();
    refresh();
}

void AnalysisSession::settingsEdited(const QString& modelId)
{
    mSettings.save();
    if (modelId == mModel || mCompareModels.contains(modelId))
        refresh();
}

// ---------------------------------------------------------------------------------------------------- images

bool AnalysisSession::isImageFile(const QString& path)
{
    static const QStringList suffixes = [] {
        QStringList list;
        for (const QByteArray& format : QImageReader::supportedImageFormats())
            list << QString::fromLatin1(format).toLower();
        return list;
    }();
    const QFileInfo info(path);
    return info.isFile() && suffixes.contains(info.suffix().toLower());
}

void AnalysisSession::openPaths(const QStringList& paths)
{
    if (!isReady()) {
        mPendingPaths << paths;
        return;
    }
    QStringList images;
    for (const QString& path : paths) {
        const QFileInfo info(path);
        if (info.isDir()) {
            const qsizetype before = images.size();
            for (const QFileInfo& entry : QDir(path).entryInfoList(QDir::Files | QDir::Readable, QDir::Name))
                if (isImageFile(entry.absoluteFilePath()))
                    images << entry.absoluteFilePath();
            if (images.size() == before)
                Q_EMIT problem(tr("%1: the folder holds no image files.").arg(QDir::toNativeSeparators(path)));
        } else if (info.exists()) {
            images << info.absoluteFilePath();
        } else {
            Q_EMIT problem(tr("%1: no such file.").arg(QDir::toNativeSeparators(path)));
        }
    }
    if (images.isEmpty())
        return;
    mImages = images;
    Q_EMIT imagesOpened(images);
    loadThumbnails(images);
    openImage(images.front());
}

void AnalysisSession::loadThumbnails(const QStringList& images)
{
    // Decoded on a worker and delivered together, unless other images were opened meanwhile.
    const int generation = ++mThumbnailGeneration;
    auto* watcher = new QFutureWatcher<QList<QImage>>(this);
    auto pending = handover::run<QList<QImage>>(*QThreadPool::globalInstance(), [images] {
        runInBackground();  // behind the inference threads
        QList<QImage> thumbs;
        for (const QString& image : images)
            thumbs << readThumbnail(image, QSize(kThumbnailSize, kThumbnailSize));
        return thumbs;
    });
    connect(watcher, &QFutureWatcher<QList<QImage>>::finished, this, [this, watcher, generation, keep = pending.keep] {
        const QList<QImage> thumbs = handover::resultOf(watcher->future());
        watcher->deleteLater();
        if (generation == mThumbnailGeneration)
            Q_EMIT thumbnailsReady(thumbs);
    });
    watcher->setFuture(pending.future);
}

void AnalysisSession::openImage(const QString& path)
{
    if (!isReady()) {
        mPendingPaths << path;
        return;
    }
    mImagePath = path;
    mImageBytes.clear();
    mImageBytesName.clear();
    mClass = -1;
    mSettings.addRecentFile(path);
    mSettings.save();
    Q_EMIT recentFilesChanged(mSettings.recentFiles);
    Q_EMIT imageChanged(imageName());
    refresh();
}

Expected<bool> AnalysisSession::openOrBatch(const QStringList& paths)
{
    if (std::none_of(paths.begin(), paths.end(), [](const QString& path) { return QFileInfo(path).isDir(); })) {
        openPaths(paths);
        return false;
    }
    const Expected<void> started = startBatch(paths, mSettings.listing());
    if (!started)
        return started.error();
    return true;
}

void AnalysisSession::rememberListing(const QString& folder, const ListOptions& listing)
{
    mSettings.batchFolder = folder;
    mSettings.batchRecursive = listing.recursive;
    mSettings.batchSuffixes = listing.suffixes;
    mSettings.save();
}

void AnalysisSession::openImagePixels(const QImage& image, const QString& name)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    openImageBytes(bytes, name);
}

void AnalysisSession::openImageBytes(const QByteArray& encoded, const QString& name)
{
    mImagePath.clear();
    mImageBytes = encoded;
    mImageBytesName = name;
    mClass = -1;
    Q_EMIT imageChanged(imageName());
    refresh();
}

QString AnalysisSession::imageName() const
{
    return mImagePath.isEmpty() ? mImageBytesName : QFileInfo(mImagePath).fileName();
}

// ---------------------------------------------------------------------------------------------- what is shown

void AnalysisSession::setModel(const QString& modelId)
{
    const ModelSpec* s = spec(modelId);
    if (!s || modelId == mModel)
        return;
    mModel = modelId;
    mSettings.selectedModels = QStringList{modelId};
    mSettings.save();
    mLayer = camTarget(modelId);
    mClass = -1;
    mResult.reset();
    Q_EMIT modelChanged(modelId);
    requestDescription(modelId);
    requestAnalysis();
}

void AnalysisSession::setMethod(const QString& methodId)
{
    if (!findMethod(methodId) || methodId == mMethod)
        return;
    mMethod = methodId;
    Q_EMIT methodChanged(methodId);
    if ((!mResult || !mResult->findCam(methodId, mClass >= 0 ? mClass : -2)) && !isComing(methodId, mClass))
        requestAnalysis();
    if (mCompareActive)
        requestCompare();
}

void AnalysisSession::selectClass(int classIndex)
{
    if (classIndex == mClass)
        return;
    mClass = classIndex;
    Q_EMIT classChanged(classIndex);
    // A class beyond the top-K (the class picker): explained on request. The image's forward pass is kept by the
    // engine, so only the head's backward pass and the maps run.
    if (classIndex >= 0 && mResult && !mResult->findCam(mMethod, classIndex) && !isComing(mMethod, classIndex))
        requestAnalysis();
}

bool AnalysisSession::isComing(const QString& method, int classIndex) const
{
    if (mMainJob == 0 || !mMainMethods.contains(method))
        return false;
    if (classIndex < 0 || classIndex == mMainExtraClass)
        return true;
    // The top-K is known once a partial result came; before that, any top class may be among them.
    if (!mResultPartial || !mMainHasPartial)
        return false;
    return std::any_of(mResult->prediction.top.begin(), mResult->prediction.top.end(),
                       [classIndex](const ClassScore& s) { return s.index == classIndex; });
}

bool AnalysisSession::isExtraClass() const
{
    if (mClass < 0)
        return false;
    if (!mResult)
        return true;
    return std::none_of(mResult->prediction.top.begin(), mResult->prediction.top.end(),
                        [this](const ClassScore& s) { return s.index == mClass; });
}

void AnalysisSession::selectLayer(const QString& block)
{
    const ModelSpec* s = spec(mModel);
    if (!s || block.isEmpty())
        return;
    mLayer = block;
    Q_EMIT layerChanged(block);
    if (mResult)
        for (const LayerResult& layer : mResult->layers)
            if (QString::fromStdString(layer.name) == block)
                return;
    // Not summarised yet: summarise it too (the forward pass is repeated; the cache key changes).
    if (std::find(s->taps.begin(), s->taps.end(), block.toStdString()) == s->taps.end())
        mExtraTaps[mModel].insert(block);
    requestAnalysis();
}

void AnalysisSession::setCamTarget(const QString& block)
{
    if (!spec(mModel) || block.isEmpty())
        return;
    mCamTargets[mModel] = block;
    Q_EMIT camTargetChanged(mModel, block);
    requestAnalysis();
}

QString AnalysisSession::camTarget(const QString& modelId) const
{
    if (auto it = mCamTargets.find(modelId); it != mCamTargets.end())
        return it->second;
    const ModelSpec* s = spec(modelId);
    return s ? QString::fromStdString(s->camTarget) : QString();
}

std::optional<AnalysisSession::Estimate> AnalysisSession::estimate(const QString& methodId) const
{
    if (!mResult || mResult->modelId != mModel.toStdString())
        return std::nullopt;
    // A result that reused an earlier forward pass says what that pass cost ("forward reused").
    auto forward = mResult->timingsMs.find("forward reused");
    if (forward == mResult->timingsMs.end())
        forward = mResult->timingsMs.find("forward");
    const auto network = description(mModel);
    const ModelSpec* s = spec(mModel);
    if (forward == mResult->timingsMs.end() || !network || !s)
        return std::nullopt;
    // The CAM target is a block, or a stage meaning its last block (NetworkDescription::indexOf, engine-side).
    const std::string target = camTarget(mModel).toStdString();
    const BlockDescription* block = nullptr;
    for (const BlockDescription& b : network->blocks)
        if (b.name == target || b.stage == target)
            block = &b;
    if (!block || block->outputShape.empty())
        return std::nullopt;
    Estimate e;
    e.camChannels = block->outputShape.front();
    const auto classes = static_cast<int64_t>(std::max(1, mSettings.topK));
    const auto taps = static_cast<int64_t>(std::max<size_t>(mResult->layers.size(), 1));
    // The unit is one forward pass here. The shown result's first forward pass may have been cold (a model's first
    // run allocates); its faithfulness stage ran masked images in one warm batch, as Score-CAM does: when there,
    // it calibrates the unit instead.
    double unitMs = forward->second;
    const auto faithfulness = mResult->timingsMs.find("faithfulness");
    if (faithfulness != mResult->timingsMs.end() && !mResult->cams.empty())
        unitMs = faithfulness->second / static_cast<double>(mResult->cams.size()) / kFaithfulnessCostPerMap;
    e.seconds = unitMs / 1000.0 * analysisCostInForwards({methodId.toStdString()}, classes, taps, e.camChannels,
                                                              mSettings.methodOptions, s->preprocess.cropSize);
    return e;
}

void AnalysisSession::setSharedTileScale(bool shared)
{
    if (shared == mSharedTileScale)
        return;
    mSharedTileScale = shared;
    Q_EMIT sharedTileScaleChanged(shared);
}

void AnalysisSession::setCompareModels(const QStringList& modelIds)
{
    QStringList ids;
    for (const QString& id : modelIds)
        if (spec(id) && !ids.contains(id))
            ids << id;
    mCompareModels = ids;
    if (ids.size() < 2) {
        setCompareActive(false);
        return;
    }
    if (mCompareActive)
        requestCompare();
    else
        setCompareActive(true);
}

void AnalysisSession::setMethodsGrid(bool active)
{
    if (active == mMethodsGrid)
        return;
    if (active)
        setCompareActive(false);
    mMethodsGrid = active;
    Q_EMIT methodsGridChanged(active);
    // Turning it off keeps the richer result shown; turning it on asks for the maps it lacks.
    if (active && mResult) {
        for (const QString& id : gridMethodsShown()) {
            if (!mResult->findCam(id, mClass >= 0 ? mClass : -2)) {
                requestAnalysis();
                break;
            }
        }
    }
}

void AnalysisSession::setGridMethods(const QStringList& methodIds)
{
    QStringList ids;
    for (const QString& id : methodIds)
        if (findMethod(id) && !ids.contains(id))
            ids << id;
    if (ids.isEmpty() || ids == mSettings.gridMethods)
        return;
    mSettings.gridMethods = ids;
    mSettings.save();
    if (mMethodsGrid)
        requestAnalysis();
}

QStringList AnalysisSession::gridMethodsShown() const
{
    QStringList shown;
    for (const QString& id : methodIds())
        if (id == mMethod || mSettings.gridMethods.contains(id))
            shown << id;
    return shown;
}

void AnalysisSession::setCompareActive(bool active)
{
    active = active && mCompareModels.size() >= 2;
    if (active == mCompareActive) {
        return;
    }
    if (active)
        setMethodsGrid(false);
    mCompareActive = active;
    if (!active) {
        for (auto& [job, model] : mCompareJobs)
            mJobs->cancel(job);
        mCompareJobs.clear();
    }
    Q_EMIT compareActiveChanged(active);
    if (active)
        requestCompare();
}

void AnalysisSession::refresh()
{
    requestAnalysis();
    if (mCompareActive)
        requestCompare();
}

void AnalysisSession::cancelAll()
{
    mJobs->cancelAll();
}

bool AnalysisSession::isBusy() const
{
    // Until its outcome is delivered a job counts, even when the service already sees it finished.
    return mMainJob != 0 || !mCompareJobs.empty() || !mExportJobs.empty() || !mJobs->isIdle() || !mDescribing.empty();
}

// ---------------------------------------------------------------------------------------------------- requests

QString AnalysisSession::missingWeightsMessage(const QString& modelId) const
{
    const ModelSpec* s = spec(modelId);
    if (!s)
        return {};
    const WeightsStatus weights = resolveWeights(*s, mSettings.weightsChoice(modelId));
    return weights.kind == WeightsStatus::Kind::Missing ? weights.message : QString();
}

Expected<AnalysisRequest> AnalysisSession::makeRequest(const QString& modelId, bool compare) const
{
    auto found = findModel(modelId);
    if (!found)
        return found.error();
    if (!hasImage())
        return makeError(ErrorKind::BadInput, "no image is open");
    const ModelSpec& s = **found;
    AnalysisOptions options;
    options.topK = std::max(1, mSettings.topK);
    options.tilesPerLayer = std::max(0, mSettings.tilesPerLayer);
    // The tiles come on both scales (ChannelTile::sharedImage); the toggle picks one without a new analysis.
    options.sharedTileScale = false;
    options.methods = {mMethod.toStdString()};
    if (mMethodsGrid && !compare) {
        // The current method first: its overlay is the first to come (results are progressive).
        for (const QString& id : gridMethodsShown())
            if (id != mMethod)
                options.methods.push_back(id.toStdString());
    }
    // Score-CAM's masked images in small batches: Esc stops it between two network blocks, and a block of 8
    // images is short on any model (32, the command line's default, is a few percent faster overall).
    options.scoreCamBatch = kInteractiveScoreCamBatch;
    options.methodOptions = mSettings.methodOptions;
    if (compare) {
        // A cell shows one map and the top classes: a tile a layer is enough, and the class the main view
        // shows is explained by every model.
        options.tilesPerLayer = 1;
        options.topK = std::max(3, options.topK);
        if (mClass >= 0)
            options.camClasses = {mClass};
    } else {
        if (isExtraClass())
            options.camClasses = {mClass};
        if (auto it = mCamTargets.find(modelId); it != mCamTargets.end())
            options.camLayer = it->second.toStdString();
        if (auto it = mExtraTaps.find(modelId); it != mExtraTaps.end() && !it->second.empty()) {
            // The registry's taps plus the blocks the user opened, in forward order.
            for (const std::string& block : s.blocks())
                if (std::find(s.taps.begin(), s.taps.end(), block) != s.taps.end() ||
                    it->second.count(QString::fromStdString(block)))
                    options.taps.push_back(block);
        }
    }
    const WeightsStatus weights = resolveWeights(s, mSettings.weightsChoice(modelId));
    if (weights.kind == WeightsStatus::Kind::Missing)
        return makeError(ErrorKind::Weights, weights.message.toStdString());
    // Pasted bytes are named in messages by their name.
    return AnalysisRequest{mImageBytes.isEmpty() ? mImagePath : mImageBytesName, mImageBytes, s, weights.path, options};
}

void AnalysisSession::requestAnalysis()
{
    if (!hasImage() || !spec(mModel))
        return;
    Expected<AnalysisRequest> request = makeRequest(mModel, false);
    if (!request) {
        if (mMainJob)
            mJobs->cancel(mMainJob);
        mMainJob = 0;
        if (request.kind() == ErrorKind::Weights)
            Q_EMIT weightsMissing(mModel, QString::fromStdString(request.message()));
        else
            Q_EMIT analysisFailed(request.kind(), QString::fromStdString(request.message()));
        return;
    }
    const QString label = QStringLiteral("%1 · %2").arg(modelName(mModel), imageName());
    mMainMethods.clear();
    for (const std::string& id : request->options.methods)
        mMainMethods << QString::fromStdString(id);
    mMainExtraClass = request->options.camClasses.empty() ? -1 : request->options.camClasses.front();
    mMainJob = mJobs->submitInteractive(kMainView, mBackend->makeWork(std::move(request.value())), label);
    mMainClock.start();
    mMainCached = false;
    mMainHasPartial = false;
    Q_EMIT analysisStarted(mMainJob, label);
}

void AnalysisSession::requestCompare()
{
    for (auto& [job, model] : mCompareJobs)
        mJobs->cancel(job);
    mCompareJobs.clear();
    mCompareResults.clear();
    if (mCompareModels.size() < 2 || !hasImage())
        return;
    Q_EMIT compareStarted(mCompareModels);
    for (const QString& id : mCompareModels) {
        Expected<AnalysisRequest> request = makeRequest(id, true);
        if (!request) {
            finishCompareCell(id, nullptr, QString::fromStdString(request.message()));
            continue;
        }
        const bool untrained = request->weightsPath.isEmpty();
        const QString label = tr("Compare · %1").arg(modelName(id));
        const JobId job = mJobs->submitInteractive(QStringLiteral("compare-") + id,
                                                   mBackend->makeWork(std::move(request.value())), label);
        mCompareJobs[job] = id;
        Q_EMIT compareCellStarted(id, job, label, untrained);
    }
}

void AnalysisSession::finishCompareCell(const QString& modelId, ResultPtr result, const QString& error)
{
    mCompareResults[modelId] = result;
    Q_EMIT compareCellFinished(modelId, std::move(result), error);
}

ResultPtr AnalysisSession::compareResult(const QString& modelId) const
{
    const auto it = mCompareResults.find(modelId);
    return it == mCompareResults.end() ? nullptr : it->second;
}

QString AnalysisSession::reportFileName(const ReportExport& choice) const
{
    const QString what = choice.page == ReportExport::Page::Compare       ? QStringLiteral("compare")
                         : choice.page == ReportExport::Page::MethodsGrid ? mModel + QStringLiteral("-methods")
                                                                          : mModel + QStringLiteral("-report");
    return QFileInfo(imageName()).completeBaseName() + u'-' + what + u'.' + choice.suffix();
}

Expected<void> AnalysisSession::exportReport(const QString& path, const ReportExport& choice,
                                             const ReportLook& look) const
{
    const auto saved = [&path](const QImage& image) -> Expected<void> {
        if (image.isNull() || !image.save(path, "PNG"))
            return makeError(ErrorKind::Internal, "cannot write the PNG " + path.toStdString());
        return {};
    };
    if (choice.page == ReportExport::Page::Compare) {
        ComparePageInfo info;
        info.imageName = imageName();
        info.date = QDateTime::currentDateTime();
        info.method = mMethod;
        info.classIndex = mClass;
        info.sharedScale = look.compareSharedScale;
        info.colormap = look.colormap;
        info.opacity = look.opacity;
        info.fullPaths = choice.fullPaths;
        for (const QString& id : mCompareModels) {
            CompareCellInfo cell;
            cell.modelName = modelName(id);
            cell.result = compareResult(id);
            if (cell.result)
                cell.weights = QString::fromStdString(cell.result->weights);
            else
                cell.error = tr("No result for this model.");
            info.cells.push_back(std::move(cell));
        }
        if (info.cells.empty())
            return makeError(ErrorKind::BadInput, "no models are compared");
        return choice.pdf ? writeComparePdf(path, info) : saved(renderComparePage(info, choice.dpi));
    }
    if (!mResult)
        return makeError(ErrorKind::BadInput, "no analysis is shown");
    if (choice.page == ReportExport::Page::Card) {
        ReportOptions options;
        options.method = mMethod;
        options.classIndex = mClass;
        options.colormap = look.colormap;
        options.opacity = look.opacity;
        options.layer = mLayer;
        options.modelName = modelName(mModel);
        options.imageName = imageName();
        options.banner = look.banner;
        options.fullPaths = choice.fullPaths;
        return saved(renderReport(*mResult, options));
    }
    ReportPageInfo info;
    info.imageName = imageName();
    info.modelName = modelName(mModel);
    info.weights = QString::fromStdString(mResult->weights);
    info.fullPaths = choice.fullPaths;
    info.date = QDateTime::currentDateTime();
    if (choice.page == ReportExport::Page::MethodsGrid) {
        for (const QString& id : gridMethodsShown())
            if (std::any_of(mResult->cams.begin(), mResult->cams.end(),
                            [&id](const CamResult& cam) { return QString::fromStdString(cam.method) == id; }))
                info.methods.push_back(id.toStdString());
    }
    if (!mLayer.isEmpty())
        info.layers = {mLayer.toStdString()};
    info.colormap = look.colormap;
    info.opacity = look.opacity;
    info.predictions = choice.predictions;
    info.maps = choice.maps;
    info.featureMaps = choice.featureMaps;
    return choice.pdf ? writeReportPdf(path, *mResult, info) : saved(renderReportPage(*mResult, info, choice.dpi));
}

void AnalysisSession::exportArrays(const QString& folder)
{
    if (!mResult) {
        Q_EMIT arraysExportFailed(tr("Nothing to export yet: open an image and wait for its analysis."));
        return;
    }
    Expected<AnalysisRequest> request = makeRequest(QString::fromStdString(mResult->modelId), false);
    if (!request) {
        Q_EMIT arraysExportFailed(QString::fromStdString(request.message()));
        return;
    }
    // Only the layers' outputs are new: the maps are the shown result's.
    AnalysisOptions& options = request->options;
    options.methods.clear();
    options.camClasses.clear();
    options.faithfulness = false;
    options.keepActivations = true;
    options.taps.clear();
    for (const LayerResult& layer : mResult->layers)
        options.taps.push_back(layer.name);
    for (auto it = mExportJobs.begin(); it != mExportJobs.end();) {
        mJobs->cancel(it->first);
        it = mExportJobs.erase(it);
    }
    const QString label = tr("Export arrays · %1").arg(imageName());
    const JobId job =
        mJobs->submitInteractive(QStringLiteral("export-arrays"), mBackend->makeWork(std::move(request.value())), label);
    mExportJobs[job] = {folder, mResult};
}

void AnalysisSession::finishArraysExport(const ArraysExport& done, const JobOutcome& outcome)
{
    if (outcome.state != JobState::Succeeded || !outcome.result) {
        Q_EMIT arraysExportFailed(outcome.state == JobState::Cancelled ? tr("The export was cancelled.")
                                                                       : outcome.error);
        return;
    }
    AnalysisResult combined = *done.shown;
    for (LayerResult& layer : combined.layers)
        for (const LayerResult& withOutput : outcome.result->layers)
            if (withOutput.name == layer.name)
                layer.activations = withOutput.activations;
    const Expected<QStringList> written = writeResultArrays(done.folder, combined);
    if (!written)
        Q_EMIT arraysExportFailed(QString::fromStdString(written.message()));
    else
        Q_EMIT arraysExported(done.folder, *written);
}

void AnalysisSession::onJobProgress(JobId id, double fraction, const QString& stage)
{
    // The engine's stage protocol (core/jobs/analysisrequest.h): "cached" means the result cache answered.
    if (id == mMainJob && stage == QStringLiteral("cached"))
        mMainCached = true;
    if (auto it = mCompareJobs.find(id); it != mCompareJobs.end())
        Q_EMIT compareCellProgress(it->second, fraction, stage);
}

void AnalysisSession::reportCacheProblem()
{
    if (!mCache)
        return;
    if (std::optional<QString> problem = mCache->takeDiskProblem())
        Q_EMIT warning(tr("The result cache: %1. The analyses themselves are not affected.").arg(*problem));
}

void AnalysisSession::onJobFinished(JobId id, const JobOutcome& outcome)
{
    // A full disk or a read-only cache folder shows after a store: said once, whichever job found it.
    reportCacheProblem();
    if (auto it = mExportJobs.find(id); it != mExportJobs.end()) {
        const ArraysExport done = it->second;
        mExportJobs.erase(it);
        finishArraysExport(done, outcome);
        return;
    }
    if (auto it = mCompareJobs.find(id); it != mCompareJobs.end()) {
        const QString model = it->second;
        mCompareJobs.erase(it);
        if (outcome.state == JobState::Succeeded)
            finishCompareCell(model, outcome.result, {});
        else
            finishCompareCell(model, nullptr, outcome.state == JobState::Cancelled ? tr("Cancelled.") : outcome.error);
        return;
    }
    if (id != mMainJob)
        return;
    mMainJob = 0;
    if (outcome.state == JobState::Succeeded) {
        mResultFromCache = mMainCached;
        mResultWaitMs = mMainClock.isValid() ? mMainClock.elapsed() : -1;
        if (!mMainHasPartial)
            mFirstResultMs = mResultWaitMs;
        adoptResult(outcome.result, false);
    } else if (outcome.state == JobState::Failed) {
        Q_EMIT analysisFailed(outcome.errorKind, outcome.error);
    } else {
        Q_EMIT analysisCancelled();
    }
}

void AnalysisSession::onJobPartial(JobId id, const ResultPtr& soFar)
{
    if (id != mMainJob || !soFar)
        return;
    if (!mMainHasPartial)
        mFirstResultMs = mMainClock.isValid() ? mMainClock.elapsed() : -1;
    mMainHasPartial = true;
    mResultFromCache = false;
    adoptResult(soFar, true);
}

void AnalysisSession::adoptResult(const ResultPtr& result, bool partial)
{
    mResult = result;
    mResultPartial = partial;
    // The class stays when the new result explains it; otherwise the top class is shown.
    const bool classKnown = std::any_of(mResult->prediction.top.begin(), mResult->prediction.top.end(),
                                        [this](const ClassScore& s) { return s.index == mClass; }) ||
                            (mClass >= 0 && mResult->findCam(mMethod, mClass));
    if (!classKnown)
        mClass = mResult->prediction.top.empty() ? -1 : mResult->prediction.top.front().index;
    bool hasLayer = false;
    for (const LayerResult& layer : mResult->layers)
        hasLayer = hasLayer || QString::fromStdString(layer.name) == mLayer;
    if (!hasLayer && !mResult->layers.empty())
        mLayer = QString::fromStdString(mResult->layers.back().name);
    Q_EMIT resultChanged(mResult);
}

// ---------------------------------------------------------------------------------------------------- batches

void AnalysisSession::setBatchBackend(std::shared_ptr<const BatchBackend> backend, std::shared_ptr<ResultCache> cache)
{
    mCache = cache;
    mBatch->setBackend(std::move(backend), std::move(cache));
    // A cache folder that cannot be created is known now; queued, so the window (connecting after) hears it.
    QMetaObject::invokeMethod(this, &AnalysisSession::reportCacheProblem, Qt::QueuedConnection);
}

QStringList AnalysisSession::batchModels() const
{
    if (mCompareActive && mCompareModels.size() >= 2)
        return mCompareModels;
    return mModel.isEmpty() ? QStringList() : QStringList{mModel};
}

Expected<void> AnalysisSession::startBatch(const QStringList& paths, const ListOptions& listing,
                                           const QStringList& modelIds, const QString& outDir)
{
    if (paths.isEmpty())
        return makeError(ErrorKind::BadInput, "no files or folders were given for the batch");
    const QStringList ids = modelIds.isEmpty() ? batchModels() : modelIds;
    if (ids.isEmpty())
        return makeError(ErrorKind::BadInput, "no model is chosen for the batch");

    BatchPlan plan;
    plan.inputs = paths;
    plan.listing = listing;
    for (const QString& id : ids) {
        auto found = findModel(id);
        if (!found)
            return found.error();
        const ModelSpec& s = **found;
        // The weights the main view would use, decided in the one place that decides them.
        const WeightsStatus weights = resolveWeights(s, mSettings.weightsChoice(id));
        if (weights.kind == WeightsStatus::Kind::Missing)
            return makeError(ErrorKind::Weights, weights.message.toStdString());
        plan.models.push_back(BatchModel{s, weights.path});
    }

    plan.options.topK = std::max(1, mSettings.topK);
    plan.options.colormap = colormapFromName(mSettings.colormap).value_or(Colormap::Jet);
    // Channel exemplars: of the layer the main view shows, in each model that has it; else of the model's CAM
    // target (a compare set of several families shares no layer names).
    const QString shown = mLayer.isEmpty() ? camTarget(mModel) : mLayer;
    for (const BatchModel& model : plan.models) {
        const QString id = QString::fromStdString(model.spec.id);
        const bool hasShown = !shown.isEmpty() && !model.spec.resolveBlock(shown.toStdString()).empty();
        plan.options.exemplarLayers[model.spec.id] = (hasShown ? shown : camTarget(id)).toStdString();
    }

    // The same batch again after a cancel goes on where it stopped, in its folder.
    const BatchPlan& last = mBatch->plan();
    const auto sameModels = [&plan, &last] {
        if (plan.models.size() != last.models.size())
            return false;
        for (std::size_t i = 0; i < plan.models.size(); ++i)
            if (plan.models[i].spec.id != last.models[i].spec.id ||
                plan.models[i].weightsPath != last.models[i].weightsPath)
                return false;
        return true;
    };
    const bool goOn = outDir.isEmpty() && mBatch->state() == BatchSession::State::Cancelled && !last.options.reports &&
                      last.inputs == plan.inputs && last.listing.recursive == plan.listing.recursive &&
                      last.listing.suffixes == plan.listing.suffixes && sameModels();
    if (goOn) {
        plan.outDir = last.outDir;
    } else if (outDir.isEmpty()) {
        const QString base = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                             QStringLiteral("/batches/") +
                             QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-hhmmss"));
        plan.outDir = base;
        // Two batches started within a second get folders of their own.
        for (int n = 2; QFileInfo::exists(plan.outDir); ++n)
            plan.outDir = base + QStringLiteral("-%1").arg(n);
    } else {
        plan.outDir = outDir;
    }
    plan.resume = true;
    mBatch->start(std::move(plan));
    return {};
}

Expected<void> AnalysisSession::exportBatch(const QString& folder)
{
    BatchPlan plan = mBatch->plan();
    if (plan.inputs.isEmpty() || plan.models.empty())
        return makeError(ErrorKind::BadInput, "no batch has been run yet: open a folder first");
    if (folder.isEmpty())
        return makeError(ErrorKind::BadInput, "no folder was chosen for the reports");
    plan.options.reports = true;
    plan.options.methods = {mMethod.toStdString()};
    plan.options.colormap = colormapFromName(mSettings.colormap).value_or(Colormap::Jet);
    plan.outDir = folder;
    plan.resume = true;
    mBatch->start(std::move(plan));
    return {};
}

// ---------------------------------------------------------------------------------------------------- diagrams

void AnalysisSession::requestDescription(const QString& modelId)
{
    if (mDescriptions.count(modelId)) {
        Q_EMIT descriptionReady(modelId);
        return;
    }
    const ModelSpec* s = spec(modelId);
    if (!s || mDescribing.count(modelId))
        return;
    mDescribing.insert(modelId);
    auto* watcher = new QFutureWatcher<Expected<NetworkDescription>>(this);
    auto pending = handover::run<Expected<NetworkDescription>>(
        *QThreadPool::globalInstance(),
        [backend = mBackend, spec = *s, categories = mRegistry->categories()] { return backend->describe(spec, categories); });
    connect(watcher, &QFutureWatcher<Expected<NetworkDescription>>::finished, this,
            [this, watcher, modelId, keep = pending.keep] {
        Expected<NetworkDescription> description = handover::resultOf(watcher->future());
        watcher->deleteLater();
        mDescribing.erase(modelId);
        if (!description) {
            Q_EMIT descriptionFailed(modelId, QString::fromStdString(description.message()));
            return;
        }
        mDescriptions[modelId] = std::make_shared<const NetworkDescription>(std::move(description.value()));
        Q_EMIT descriptionReady(modelId);
    });
    watcher->setFuture(pending.future);
}

std::shared_ptr<const NetworkDescription> AnalysisSession::description(const QString& modelId) const
{
    const auto it = mDescriptions.find(modelId);
    return it == mDescriptions.end() ? nullptr : it->second;
}

}  // namespace convlens
