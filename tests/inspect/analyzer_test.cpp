// Analyzer against a PyTorch reference written from pytorch-grad-cam's formulas (make_cam_reference.py, run as
// the ctest fixture `inspect` on the seeded weights of the `models` fixture): raw CAM grids of every method for
// the top-K classes, guided backprop and guided Grad-CAM images, faithfulness, layer statistics and tiles; the
// batched head-only backward against K separate backward passes; cancellation inside Score-CAM; the error kinds;
// progress weighted by stage cost; the intra-op thread count applied on the analysing thread.
// A reference case is a model at one CAM layer; its files are named after the case ("mobilenet_v3_large.features.16").

#include "core/inspect/analyzer.h"
#include "core/common/threads.h"
#include "core/common/cpuload.h"
#include "core/image/preprocess.h"
#include "core/inspect/cammethod.h"
#include "core/inspect/classgradients.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "core/inspect/road.h"
#include "core/inspect/predictor.h"
#include "core/models/network.h"
#include "core/models/networkfactory.h"
#include "core/registry/modelregistry.h"
#include "core/weights/weightloader.h"
#include "tests/models/modelfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThreadPool>

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

using namespace convlens;

namespace {

const std::string kReferenceDir = std::string(CONVLENS_FIXTURE_DIR) + "/inspect";
const std::vector<std::string> kMethods = {"gradcam",  "gradcampp", "xgradcam", "layercam",
                                           "hirescam", "eigencam",  "scorecam", "fasterscorecam"};

// Methods whose explanation is an image at the input (CamResult::guided).
bool isGuided(const std::string& method)
{
    const MethodInfo* info = findMethod(method);
    return info && info->explainsAtInput;
}

// The case's method options as the reference computed them (its JSON's "options").
MethodOptions methodOptionsOf(const QJsonObject& ref)
{
    const QJsonObject o = ref[QLatin1String("options")].toObject();
    MethodOptions m;
    m.augSmooth = o[QLatin1String("aug_smooth")].toBool();
    m.eigenSmooth = o[QLatin1String("eigen_smooth")].toBool();
    m.integratedGradientsSteps = o[QLatin1String("ig_steps")].toInt();
    m.integratedGradientsBaseline = o[QLatin1String("ig_baseline")].toString().toStdString();
    m.occlusionWindow = o[QLatin1String("occlusion_window")].toInt();
    m.occlusionStride = o[QLatin1String("occlusion_stride")].toInt();
    m.road = o[QLatin1String("road")].toBool();
    return m;
}

const ModelRegistry& registry()
{
    static const ModelRegistry loaded = [] {
        auto r = ModelRegistry::loadFile(std::string(CONVLENS_SOURCE_DIR) + "/model_registry.yaml");
        if (!r)
            throw std::runtime_error(r.message());
        return *r;
    }();
    return loaded;
}

const ModelSpec& spec(const std::string& id)
{
    const ModelSpec* s = registry().find(id);
    if (!s)
        throw std::runtime_error("no model " + id + " in the registry");
    return *s;
}

QJsonObject readReference(const std::string& id)
{
    QFile file(QString::fromStdString(kReferenceDir + "/" + id + ".json"));
    if (!file.open(QIODevice::ReadOnly))
        throw std::runtime_error("cannot read " + file.fileName().toStdString());
    return QJsonDocument::fromJson(file.readAll()).object();
}

// The reference's recorded tensor `name` of `caseId` ("acts", "grads"), shaped as its JSON says ("<name>_shape").
torch::Tensor readReferenceTensor(const std::string& caseId, const QJsonObject& ref, const std::string& name)
{
    std::vector<int64_t> shape;
    for (const auto& v : ref[QString::fromStdString(name + "_shape")].toArray())
        shape.push_back(v.toInt());
    auto tensor = test::readFloat32Tensor(kReferenceDir + "/" + caseId + "." + name + ".f32", shape);
    if (!tensor)
        throw std::runtime_error(tensor.message());
    return *tensor;
}

QImage testImage()
{
    QImage image(QString::fromStdString(kReferenceDir + "/image.png"));
    if (image.isNull())
        throw std::runtime_error("cannot read " + kReferenceDir + "/image.png");
    return image.convertToFormat(QImage::Format_RGB888);
}

std::vector<float> toFloats(const QJsonArray& array)
{
    std::vector<float> v;
    for (const auto& x : array)
        v.push_back(static_cast<float>(x.toDouble()));
    return v;
}

std::vector<std::string> toStrings(const QJsonArray& array)
{
    std::vector<std::string> v;
    for (const auto& x : array)
        v.push_back(x.toString().toStdString());
    return v;
}

Analyzer fixtureAnalyzer(const std::string& id)
{
    auto fixture = test::readModelFixture(id);
    if (!fixture)
        throw std::runtime_error(fixture.message());
    auto analyzer = Analyzer::create(spec(id), QString::fromStdString(fixture->weightsPath));
    if (!analyzer)
        throw std::runtime_error(analyzer.message());
    return *analyzer;
}

// Every element of `actual` within tolerance × max|expected| of `expected`; the worst cell in the message.
void expectClose(const torch::Tensor& actual, const torch::Tensor& expected, float tolerance)
{
    ASSERT_EQ(actual.sizes(), expected.sizes());
    const float scale = expected.abs().max().item<float>();
    ASSERT_GT(scale, 0.0f) << "the reference is all zeros; the comparison would prove nothing";
    const torch::Tensor diff = (actual - expected).abs();
    const int64_t worst = diff.flatten().argmax().item<int64_t>();
    EXPECT_LE(diff.max().item<float>(), tolerance * scale)
        << "worst element " << worst << ": " << actual.flatten()[worst].item<float>() << " vs "
        << expected.flatten()[worst].item<float>() << " (scale " << scale << ")";
}

// Every method of the case's reference: grids (and for guided methods the images), faithfulness, the predictions
// and the preprocessing, end to end. Methods in `sameTensorsOnly` are compared only in
// CamMethodsOnTheReferenceTensors (see GradCamPlusPlusIsComparedWhereItIsWellConditioned).
void expectMatchesReference(const std::string& caseId, const std::set<std::string>& sameTensorsOnly = {})
{
    const QJsonObject ref = readReference(caseId);
    const std::string id = ref[QLatin1String("model")].toString().toStdString();
    const std::vector<std::string> methods = toStrings(ref[QLatin1String("methods")].toArray());
    ASSERT_FALSE(methods.empty());
    const QImage image = testImage();

    // The same input tensor as the reference, so the differences below are the Analyzer's own.
    const PreprocessedImage pre = preprocess(image, spec(id).preprocess);
    auto refInput = test::readFloat32Tensor(kReferenceDir + "/" + caseId + ".input.f32", {1, 3, pre.height, pre.width});
    ASSERT_TRUE(refInput) << refInput.message();
    const torch::Tensor input = torch::from_blob(const_cast<float*>(pre.chw.data()), {1, 3, pre.height, pre.width});
    ASSERT_LE((input - *refInput).abs().max().item<float>(), 1e-6f);

    const QJsonArray refClasses = ref[QLatin1String("classes")].toArray();
    const int64_t k = refClasses.size();
    AnalysisOptions options;
    options.topK = static_cast<int>(k);
    options.methods = methods;
    options.camLayer = ref[QLatin1String("cam_layer")].toString().toStdString();
    options.taps = {ref[QLatin1String("cam_block")].toString().toStdString()};
    options.methodOptions = methodOptionsOf(ref);
    std::vector<double> fractions;
    auto result = fixtureAnalyzer(id).analyze(image, options, nullptr,
                                              [&](double f, const std::string&) { fractions.push_back(f); });
    ASSERT_TRUE(result) << result.message();

    EXPECT_TRUE(std::is_sorted(fractions.begin(), fractions.end()));
    ASSERT_FALSE(fractions.empty());
    EXPECT_EQ(fractions.back(), 1.0);
    std::vector<std::string> stages = {"forward", "feature maps", "faithfulness"};
    if (options.methodOptions.road)
        stages.push_back("road");
    for (const std::string& method : methods)
        stages.push_back("cam " + method);
    for (const std::string& method : methods) {
        if (createCamMethod(method)->needsGradients())
            stages.push_back("gradients");
        if (createCamMethod(method)->needsGuidedGradients())
            stages.push_back("guided backprop");
    }
    for (const std::string& stage : stages)
        EXPECT_TRUE(result->timingsMs.count(stage)) << stage;

    const std::vector<float> refLogits = toFloats(ref[QLatin1String("logits")].toArray());
    ASSERT_EQ(result->prediction.logits.size(), refLogits.size());
    for (size_t i = 0; i < refLogits.size(); ++i)
        ASSERT_NEAR(result->prediction.logits[i], refLogits[i], 1e-4f) << "logit " << i;
    ASSERT_EQ(result->prediction.top.size(), static_cast<size_t>(k));
    for (int i = 0; i < k; ++i)
        ASSERT_EQ(result->prediction.top[i].index, refClasses[i].toInt());

    const QJsonArray gridShape = ref[QLatin1String("grid_shape")].toArray();
    const int crop = spec(id).preprocess.cropSize;
    const std::string camBlock = ref[QLatin1String("cam_block")].toString().toStdString();
    ASSERT_EQ(result->cams.size(), methods.size() * static_cast<size_t>(k));
    size_t next = 0;
    for (const std::string& method : methods) {
        const QJsonObject refMethod = ref[QLatin1String("cams")].toObject()[QString::fromStdString(method)].toObject();
        const QJsonArray faith = refMethod[QLatin1String("faithfulness")].toArray();
        const bool guided = isGuided(method);
        // Maps at the input's resolution (input-space methods, Occlusion, aug_smooth) come in files.
        const bool gridFile = refMethod.contains(QLatin1String("grids_file"));
        if (guided) {
            ASSERT_TRUE(gridFile) << method << ": the reference has no grids file";
        }
        torch::Tensor refGrids, refImages;  // [K,S,S], guided methods [K,3,S,S]
        if (gridFile) {
            auto grids = test::readFloat32Tensor(
                kReferenceDir + "/" + refMethod[QLatin1String("grids_file")].toString().toStdString(), {k, crop, crop});
            ASSERT_TRUE(grids) << grids.message();
            refGrids = *grids;
        }
        if (guided) {
            auto images = test::readFloat32Tensor(
                kReferenceDir + "/" + refMethod[QLatin1String("images_file")].toString().toStdString(),
                {k, 3, crop, crop});
            ASSERT_TRUE(images) << images.message();
            refImages = *images;
        }
        for (int i = 0; i < k; ++i) {
            const CamResult& cam = result->cams[next++];
            SCOPED_TRACE(caseId + " " + method + " class #" + std::to_string(i));
            EXPECT_EQ(cam.method, method);
            EXPECT_EQ(cam.classIndex, refClasses[i].toInt());
            EXPECT_EQ(cam.layer, findMethod(method)->usesCamLayer ? camBlock : std::string("input"));
            ASSERT_EQ(cam.gridHeight, gridFile ? crop : gridShape[0].toInt());
            ASSERT_EQ(cam.gridWidth, gridFile ? crop : gridShape[1].toInt());
            ASSERT_EQ(cam.heatmapSize, crop);
            ASSERT_EQ(cam.heatmap.size(), static_cast<size_t>(crop) * crop);
            if (sameTensorsOnly.count(method))
                continue;
            if (gridFile) {
                if (guided) {
                    ASSERT_EQ(cam.guided.size(), static_cast<size_t>(3 * crop * crop));
                    expectClose(torch::tensor(cam.guided).view({3, crop, crop}), refImages[i], 1e-4f);
                } else {
                    EXPECT_TRUE(cam.guided.empty());
                }
                expectClose(torch::tensor(cam.grid).view({crop, crop}), refGrids[i], 1e-4f);
            } else {
                EXPECT_TRUE(cam.guided.empty());
                const std::vector<float> expected = toFloats(refMethod[QLatin1String("grids")].toArray()[i].toArray());
                ASSERT_EQ(cam.grid.size(), expected.size());
                const float scale = *std::max_element(expected.begin(), expected.end());
                ASSERT_GT(scale, 0.0f) << "the reference map is empty; the comparison would prove nothing";
                for (size_t j = 0; j < expected.size(); ++j)
                    ASSERT_LE(std::abs(cam.grid[j] - expected[j]), 1e-4f * scale) << "cell " << j;
            }

            const auto [lo, hi] = std::minmax_element(cam.heatmap.begin(), cam.heatmap.end());
            EXPECT_GE(*lo, 0.0f);
            EXPECT_LE(*hi, 1.0f);

            if (refMethod.contains(QLatin1String("deltas"))) {
                // Integrated Gradients' convergence delta, as the reference computes it (float sums of ~150 k
                // attributions: within 1e-3 of the logit scale).
                const double expected = refMethod[QLatin1String("deltas")].toArray()[i].toDouble();
                EXPECT_NEAR(cam.convergenceDelta, expected, 1e-3 * (1.0 + std::abs(expected)));
            } else {
                EXPECT_EQ(cam.convergenceDelta, 0.0f);
            }
            if (refMethod.contains(QLatin1String("road"))) {
                // ROAD: probability changes after imputing the map's most and least relevant pixels. The masks are
                // thresholds on maps equal to 1e-4, so a pixel at a threshold may fall on the other side; one
                // pixel moves a probability by far less than the tolerance.
                const QJsonObject road = refMethod[QLatin1String("road")].toArray()[i].toObject();
                ASSERT_TRUE(cam.road.measured);
                EXPECT_EQ(cam.road.percentiles, roadPercentiles());
                const std::vector<float> morf = toFloats(road[QLatin1String("morf")].toArray());
                const std::vector<float> lerf = toFloats(road[QLatin1String("lerf")].toArray());
                ASSERT_EQ(cam.road.mostRelevantFirst.size(), morf.size());
                ASSERT_EQ(cam.road.leastRelevantFirst.size(), lerf.size());
                for (size_t p = 0; p < morf.size(); ++p) {
                    EXPECT_NEAR(cam.road.mostRelevantFirst[p], morf[p], 2e-3) << "percentile #" << p;
                    EXPECT_NEAR(cam.road.leastRelevantFirst[p], lerf[p], 2e-3) << "percentile #" << p;
                }
                EXPECT_NEAR(cam.road.combined, road[QLatin1String("combined")].toDouble(), 2e-3);
            } else {
                EXPECT_FALSE(cam.road.measured);
            }
            const QJsonObject f = faith[i].toObject();
            EXPECT_NEAR(cam.faithfulness.confidence, f[QLatin1String("confidence")].toDouble(), 1e-5);
            EXPECT_NEAR(cam.faithfulness.maskedConfidence, f[QLatin1String("masked")].toDouble(), 1e-4);
            EXPECT_NEAR(cam.faithfulness.drop, f[QLatin1String("drop")].toDouble(), 1e-4);
            if (std::abs(f[QLatin1String("masked")].toDouble() - f[QLatin1String("confidence")].toDouble()) > 1e-4) {
                EXPECT_EQ(cam.faithfulness.increase, f[QLatin1String("increase")].toDouble());
            }
        }
        if (guided && !sameTensorsOnly.count(method)) {
            // The display image of class 0 against pytorch-grad-cam's deprocess_image of the reference's image;
            // one level of rounding apart at most (float32 vs double statistics, truncation to 8 bits).
            QFile file(QString::fromStdString(kReferenceDir + "/" +
                                              refMethod[QLatin1String("display_file")].toString().toStdString()));
            ASSERT_TRUE(file.open(QIODevice::ReadOnly)) << file.fileName().toStdString();
            const QByteArray expected = file.readAll();
            ASSERT_EQ(expected.size(), 3 * crop * crop);
            const QImage shown = guidedImage(result->cams[next - static_cast<size_t>(k)]);
            ASSERT_EQ(shown.format(), QImage::Format_RGB888);
            ASSERT_EQ(shown.size(), QSize(crop, crop));
            int worst = 0;
            for (int y = 0; y < crop; ++y)
                for (int x = 0; x < 3 * crop; ++x)
                    worst = std::max(
                        worst, std::abs(shown.constScanLine(y)[x] - static_cast<uchar>(expected[(y * crop) * 3 + x])));
            EXPECT_LE(worst, 1) << method << " display image";
        }
    }
}

}  // namespace

TEST(AnalysisOptions, KeyChangesWithEveryField)
{
    const AnalysisOptions base;
    std::vector<AnalysisOptions> variants(10, base);
    variants[0].taps = {"layer1.0"};
    variants[1].tilesPerLayer = 0;
    variants[2].sharedTileScale = true;
    variants[3].histogramBins = 32;
    variants[4].topK = 3;
    variants[5].methods = {"gradcam"};
    variants[6].camLayer = "layer3";
    variants[7].scoreCamBatch = 8;
    variants[8].taps = {"layer1.0,layer1.1"};
    variants[9].faithfulness = false;
    variants.push_back(base);
    variants.back().methodOptions.augSmooth = true;
    variants.push_back(base);
    variants.back().methodOptions.eigenSmooth = true;
    variants.push_back(base);
    variants.back().methodOptions.road = true;
    AnalysisOptions ig = base;
    ig.methods = {"integratedgradients"};
    variants.push_back(ig);
    variants.push_back(ig);
    variants.back().methodOptions.integratedGradientsSteps = 16;
    variants.push_back(ig);
    variants.back().methodOptions.integratedGradientsBaseline = "blurred";
    AnalysisOptions occlusion = base;
    occlusion.methods = {"occlusion"};
    variants.push_back(occlusion);
    variants.push_back(occlusion);
    variants.back().methodOptions.occlusionWindow = 16;
    variants.push_back(occlusion);
    variants.back().methodOptions.occlusionStride = 8;
    // A method's own options only where it runs: other methods' results stay cached when they change.
    AnalysisOptions gradcam = base;
    gradcam.methods = {"gradcam"};
    AnalysisOptions gradcamOtherSteps = gradcam;
    gradcamOtherSteps.methodOptions.integratedGradientsSteps = 64;
    gradcamOtherSteps.methodOptions.occlusionWindow = 8;
    EXPECT_EQ(gradcam.key(), gradcamOtherSteps.key());
    std::set<std::string> keys = {base.key()};
    for (const auto& v : variants)
        keys.insert(v.key());
    EXPECT_EQ(keys.size(), variants.size() + 1);
    AnalysisOptions two = base;
    two.taps = {"layer1.0", "layer1.1"};
    EXPECT_NE(two.key(), variants[8].key()) << "lists must not collide with names containing commas";
    EXPECT_EQ(base.key(), AnalysisOptions().key());
}

TEST(Analyzer, RejectsUnknownNames)
{
    auto analyzer = Analyzer::create(spec("resnet18"), QString());
    ASSERT_TRUE(analyzer) << analyzer.message();
    QImage image(64, 48, QImage::Format_RGB888);
    image.fill(Qt::gray);
    AnalysisOptions options;
    options.taps = {"layer5.0"};
    auto r = analyzer->analyze(image, options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::BadInput);
    EXPECT_NE(r.message().find("layer5.0"), std::string::npos) << r.message();

    options.taps = {};
    options.methods = {"gradcam", "nosuchcam"};
    r = analyzer->analyze(image, options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::BadInput);
    EXPECT_NE(r.message().find("nosuchcam"), std::string::npos) << r.message();

    options.methods = {"gradcam"};
    options.camLayer = "layer9";
    r = analyzer->analyze(image, options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::BadInput);
    EXPECT_NE(r.message().find("layer9"), std::string::npos) << r.message();

    // A block without a spatial map (avgpool flattens) cannot carry a class activation map.
    options.camLayer = "avgpool";
    r = analyzer->analyze(image, options);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::BadInput);
    EXPECT_NE(r.message().find("avgpool"), std::string::npos) << r.message();

    r = analyzer->analyze(QImage(), AnalysisOptions());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::BadInput);
}

TEST(Analyzer, ALibraryErrorInsideAStageIsAnInternalError)
{
    // A crop size of 0 gives an empty input tensor; the first convolution raises c10::Error inside the forward
    // stage, which analyze() returns instead of throwing.
    ModelSpec broken = spec("resnet18");
    broken.preprocess.cropSize = 0;
    auto analyzer = Analyzer::create(broken, QString());
    ASSERT_TRUE(analyzer) << analyzer.message();
    Expected<AnalysisResult> r = makeError(ErrorKind::BadInput, "not run");
    EXPECT_NO_THROW(r = analyzer->analyze(testImage(), AnalysisOptions()));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.kind(), ErrorKind::Internal) << r.message();
    EXPECT_NE(r.message().find("resnet18"), std::string::npos) << r.message();
}

TEST(Analyzer, ProgressFollowsTheStagesWeightedByTheirCost)
{
    auto analyzer = Analyzer::create(spec("resnet18"), QString());
    ASSERT_TRUE(analyzer) << analyzer.message();
    AnalysisOptions options;
    options.methods = {"gradcam", "scorecam", "guided"};
    options.topK = 2;
    options.taps = {"layer4.1"};
    std::vector<std::pair<double, std::string>> reports;
    auto r = analyzer->analyze(testImage(), options, nullptr,
                               [&](double f, const std::string& stage) { reports.emplace_back(f, stage); });
    ASSERT_TRUE(r) << r.message();

    // Each stage is entered once, in order (the predictions report under "forward", the pass they finish).
    std::vector<std::string> entered;
    for (const auto& [f, stage] : reports) {
        EXPECT_GE(f, 0.0);
        EXPECT_LE(f, 1.0);
        if (entered.empty() || entered.back() != stage)
            entered.push_back(stage);
    }
    EXPECT_EQ(entered,
              (std::vector<std::string>{"preprocess", "forward", "gradients", "cam gradcam", "feature maps",
                                        "cam scorecam", "guided backprop", "cam guided", "faithfulness", "done"}))
        << "a backward pass runs just before the first method needing it; a cheap first method's maps come "
           "before the feature maps";
    for (size_t i = 1; i < reports.size(); ++i)
        EXPECT_LE(reports[i - 1].first, reports[i].first) << reports[i].second;
    EXPECT_EQ(reports.front().first, 0.0);
    EXPECT_EQ(reports.back().first, 1.0);

    // The share of the bar each stage gets follows its measured cost: Score-CAM runs the network once per channel
    // of layer4.1 (512), so it takes most of the bar, Grad-CAM (a weighted sum) almost none.
    auto enteredAt = [&](const std::string& stage) {
        for (const auto& [f, s] : reports)
            if (s == stage)
                return f;
        return -1.0;
    };
    const double scoreCam = enteredAt("guided backprop") - enteredAt("cam scorecam");
    const double gradCam = enteredAt("cam scorecam") - enteredAt("cam gradcam");
    EXPECT_GT(scoreCam, 0.5);
    EXPECT_LT(gradCam, 0.05);
    EXPECT_GT(scoreCam, 10 * gradCam);
}

TEST(Analyzer, ResultsComeProgressivelyMethodByMethodThenFaithfulness)
{
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    AnalysisOptions options;
    options.methods = {"gradcam", "eigencam", "layercam"};
    options.topK = 3;
    options.taps = {"layer3.1", "layer4.1"};
    std::vector<AnalysisResult> partials;
    std::vector<std::string> stagesAtPartial;
    std::string stage;
    auto full = analyzer.analyze(
        testImage(), options, nullptr, [&](double, const std::string& s) { stage = s; },
        [&](const AnalysisResult& soFar) {
            partials.push_back(soFar);
            stagesAtPartial.push_back(stage);
        });
    ASSERT_TRUE(full) << full.message();

    // After the first method's maps (all three classes at once), then the feature maps, then after each other
    // method's maps; the last one is followed by faithfulness.
    ASSERT_EQ(partials.size(), 4u);
    EXPECT_EQ(stagesAtPartial,
              (std::vector<std::string>{"cam gradcam", "feature maps", "cam eigencam", "cam layercam"}));
    const std::vector<size_t> camsAt = {3, 3, 6, 9};
    for (size_t p = 0; p < partials.size(); ++p) {
        const AnalysisResult& soFar = partials[p];
        EXPECT_EQ(soFar.prediction.logits, full->prediction.logits);
        ASSERT_EQ(soFar.layers.size(), p == 0 ? 0u : 2u)
            << "the first overlay waits for the forward pass alone; the feature maps follow it";
        for (size_t l = 0; l < soFar.layers.size(); ++l) {
            EXPECT_EQ(soFar.layers[l].name, full->layers[l].name);
            EXPECT_EQ(soFar.layers[l].histogram, full->layers[l].histogram);
        }
        ASSERT_EQ(soFar.cams.size(), camsAt[p]);
        for (size_t i = 0; i < soFar.cams.size(); ++i) {
            EXPECT_EQ(soFar.cams[i].method, full->cams[i].method);
            EXPECT_EQ(soFar.cams[i].grid, full->cams[i].grid) << "a partial map differs from the final one";
            EXPECT_FALSE(soFar.cams[i].faithfulness.measured);
        }
    }
    for (const CamResult& cam : full->cams)
        EXPECT_TRUE(cam.faithfulness.measured) << cam.method;

    // Without faithfulness the last method ends the analysis: no partial after it, nothing measured.
    options.faithfulness = false;
    int calls = 0;
    auto quick = analyzer.analyze(testImage(), options, nullptr, {}, [&](const AnalysisResult&) { ++calls; });
    ASSERT_TRUE(quick) << quick.message();
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(quick->timingsMs.count("faithfulness"), 0u);
    ASSERT_EQ(quick->cams.size(), full->cams.size());
    for (size_t i = 0; i < quick->cams.size(); ++i) {
        EXPECT_EQ(quick->cams[i].grid, full->cams[i].grid);
        EXPECT_FALSE(quick->cams[i].faithfulness.measured);
    }
}

TEST(Analyzer, ASlowFirstMethodDoesNotHoldBackTheFeatureMaps)
{
    // Score-CAM (one masked forward pass per channel), guided backprop (a whole backward per class) or any method
    // with aug_smooth costs more than the feature maps: they come first, as a partial result of their own.
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    for (const auto& [method, augSmooth] :
         std::vector<std::pair<std::string, bool>>{{"scorecam", false}, {"guided", false}, {"gradcam", true}}) {
        AnalysisOptions options;
        options.methods = {method, "layercam"};
        options.methodOptions.augSmooth = augSmooth;
        options.topK = 1;
        options.taps = {"layer3.1", "layer4.1"};
        std::atomic<bool> cancel{false};
        std::string stage;
        std::optional<AnalysisResult> first;
        auto r = analyzer.analyze(
            testImage(), options, &cancel, [&](double, const std::string& s) { stage = s; },
            [&](const AnalysisResult& soFar) {
                if (!first)
                    first = soFar;
                cancel = true;  // the slow method itself is not needed here
            });
        ASSERT_TRUE(first) << method;
        EXPECT_EQ(stage, "feature maps") << method;
        EXPECT_EQ(first->layers.size(), 2u) << method;
        EXPECT_TRUE(first->cams.empty()) << method;
        ASSERT_FALSE(r) << method;
        EXPECT_EQ(r.kind(), ErrorKind::Cancelled) << method;
    }
}

TEST(Analyzer, DefaultsToAllTapsAndTheSpecCamTarget)
{
    auto analyzer = Analyzer::create(spec("resnet18"), QString());
    ASSERT_TRUE(analyzer) << analyzer.message();
    AnalysisOptions options;
    options.methods = {"gradcam"};
    options.topK = 2;
    auto r = analyzer->analyze(testImage(), options);
    ASSERT_TRUE(r) << r.message();
    ASSERT_EQ(r->layers.size(), spec("resnet18").taps.size());
    for (size_t i = 0; i < r->layers.size(); ++i)
        EXPECT_EQ(r->layers[i].name, spec("resnet18").taps[i]);
    ASSERT_EQ(r->cams.size(), 2u);
    EXPECT_EQ(r->cams[0].layer, spec("resnet18").camTarget);
    EXPECT_EQ(r->input.width(), 224);
    EXPECT_EQ(r->prediction.top.size(), 2u);
}

TEST(AnalyzerReference, Resnet18EveryMethod)
{
    expectMatchesReference("resnet18");
}

// Faster Score-CAM: on a layer with no more channels than it scores it is Score-CAM, bit for bit; on the reference
// layers (512 and 112 channels) its error against Score-CAM is measured and printed (the reference compares each
// with its own formula in Resnet18EveryMethod and MobilenetV3LargeEveryMethodAtAStage).
TEST(AnalyzerReference, FasterScoreCamErrorAgainstScoreCam)
{
    for (const std::string caseId : {"resnet18", "mobilenet_v3_large"}) {
        SCOPED_TRACE(caseId);
        const QJsonObject ref = readReference(caseId);
        const QJsonObject cams = ref[QLatin1String("cams")].toObject();
        const QJsonArray exact = cams[QLatin1String("scorecam")].toObject()[QLatin1String("grids")].toArray();
        const QJsonArray fast = cams[QLatin1String("fasterscorecam")].toObject()[QLatin1String("grids")].toArray();
        ASSERT_EQ(exact.size(), fast.size());
        const int crop = ref[QLatin1String("crop")].toInt();
        const QJsonArray shape = ref[QLatin1String("grid_shape")].toArray();
        for (int k = 0; k < exact.size(); ++k) {
            const torch::Tensor e = torch::tensor(toFloats(exact[k].toArray())).view({shape[0].toInt(), -1});
            const torch::Tensor f = torch::tensor(toFloats(fast[k].toArray())).view({shape[0].toInt(), -1});
            const torch::Tensor he = normalisedHeatmap(e, crop), hf = normalisedHeatmap(f, crop);
            const double worst = (he - hf).abs().max().item<double>();
            const double mean = (he - hf).abs().mean().item<double>();
            const double correlation =
                torch::corrcoef(torch::stack({he.flatten(), hf.flatten()}))[0][1].item<double>();
            std::printf("%s class #%d: Faster Score-CAM vs Score-CAM heatmaps: max |diff| %.3f, mean %.3f, "
                        "correlation %.3f\n",
                        caseId.c_str(), k, worst, mean, correlation);
            EXPECT_TRUE(std::isfinite(correlation));
        }
    }
    // Fewer channels than it scores: the same method.
    const QJsonObject ref = readReference("resnet18");
    const torch::Tensor acts = readReferenceTensor("resnet18", ref, "acts").slice(1, 0, 48);
    const int crop = ref[QLatin1String("crop")].toInt();
    auto input = test::readFloat32Tensor(kReferenceDir + "/resnet18.input.f32", {1, 3, crop, crop});
    ASSERT_TRUE(input) << input.message();
    auto fixture = test::readModelFixture("resnet18");
    ASSERT_TRUE(fixture) << fixture.message();
    auto net = createNetwork("resnet18", 1000, Initialisation::Skip);
    ASSERT_TRUE(net && loadWeights(**net, fixture->weightsPath));
    CamContext context;
    context.activations = acts;
    context.classes = {1, 2};
    context.network = net->get();
    context.input = *input;
    auto exact = createCamMethod("scorecam")->compute(context);
    auto fast = createCamMethod("fasterscorecam")->compute(context);
    ASSERT_TRUE(exact && fast);
    EXPECT_TRUE(torch::equal(exact->maps, fast->maps));
}

// pytorch-grad-cam's eigen_smooth on every weighted method, aug_smooth on Grad-CAM and EigenCAM (with Integrated
// Gradients from the mean image, which ignores it), both together on a second model.
TEST(AnalyzerReference, SmoothingOptionsOnTwoModels)
{
    for (const std::string caseId : {"resnet18.eigen_smooth", "resnet18.aug_smooth", "mobilenet_v3_large.smooth"})
        expectMatchesReference(caseId);
}

// ROAD on two models, end to end.
TEST(AnalyzerReference, RoadOnTwoModels)
{
    for (const std::string caseId : {"resnet18.road", "mobilenet_v3_large.road"})
        expectMatchesReference(caseId);
}

// ROAD's imputation alone, on the reference's own map: the same pixels kept, the same solution of the linear
// system and the same noise (torch's generator with the same seed).
TEST(AnalyzerReference, RoadImputationEqualsTheReference)
{
    for (const auto& [caseId, method] : {std::pair<std::string, std::string>{"resnet18.road", "gradcam"},
                                         {"mobilenet_v3_large.road", "layercam"}}) {
        SCOPED_TRACE(caseId);
        const QJsonObject ref = readReference(caseId);
        const QJsonObject m = ref[QLatin1String("cams")].toObject()[QString::fromStdString(method)].toObject();
        const int crop = ref[QLatin1String("crop")].toInt();
        auto map = test::readFloat32Tensor(
            kReferenceDir + "/" + m[QLatin1String("road_map_file")].toString().toStdString(), {crop, crop});
        auto imputed = test::readFloat32Tensor(
            kReferenceDir + "/" + m[QLatin1String("imputed_file")].toString().toStdString(), {3, crop, crop});
        auto input = test::readFloat32Tensor(kReferenceDir + "/" + caseId + ".input.f32", {1, 3, crop, crop});
        ASSERT_TRUE(map && imputed && input);
        const torch::Tensor keep = roadKeepMask(*map, 30, true);
        EXPECT_EQ(keep.sum().item<int64_t>(), m[QLatin1String("imputed_kept")].toInt());
        const torch::Tensor mine = noisyLinearImputation((*input)[0], keep, kRoadNoise, 5);
        expectClose(mine, *imputed, 1e-5f);
        // The kept pixels are untouched, and the removed ones are not.
        EXPECT_TRUE(torch::equal(mine.masked_select(keep.expand({3, crop, crop})),
                                 (*input)[0].masked_select(keep.expand({3, crop, crop}))));
        EXPECT_FALSE(torch::equal(mine, (*input)[0]));
    }
}

TEST(AnalyzerReference, MobilenetV3LargeEveryMethodAtAStage)
{
    expectMatchesReference("mobilenet_v3_large", {"gradcampp"});
}

// Grad-CAM++ end to end on a second model, at mobilenet_v3_large's default CAM target features.16 (a Hardswish
// output), with guided backprop (ReLU and Hardswish) and guided Grad-CAM.
TEST(AnalyzerReference, MobilenetV3LargeAtItsCamTarget)
{
    expectMatchesReference("mobilenet_v3_large.features.16");
}

// Guided backprop through the other activations: ReLU6 (mobilenet_v2), SiLU with sigmoid gates (efficientnet_b0),
// GELU (convnext_tiny).
TEST(AnalyzerReference, GuidedBackpropThroughReLU6SiLUAndGELU)
{
    for (const std::string caseId : {"mobilenet_v2", "efficientnet_b0", "convnext_tiny"})
        expectMatchesReference(caseId);
}

// Why Grad-CAM++ is compared end to end at some layers only. alpha = g² / (2g² + S·g³ + 1e-6) with S = sum_ij(A)
// per channel, and only cells with g > 0 reach the weights (relu(g)·alpha); there the denominator is
// g²·(2 + S·g), which cancels towards zero when a channel's sum S is negative. Float32 noise of ~1e-6 in the
// gradients (one batched backward pass here, K separate passes in the reference) is then amplified without bound.
// After a ReLU (resnet18 layer4.1) S >= 0; at mobilenet_v3_large features.16 (Hardswish, bounded below by -3/8)
// the few channels with S < 0 carry no positive gradient; at features.12 (a linear projection plus residual) half
// the channels have S < 0 and 2 + S·g goes negative. The margin min(2 + S·g) over g > 0 is measured here on the
// reference's own tensors, so a changed fixture that broke the argument would fail this test, not silently pass.
TEST(AnalyzerReference, GradCamPlusPlusIsComparedWhereItIsWellConditioned)
{
    auto margin = [](const std::string& caseId) {
        const QJsonObject ref = readReference(caseId);
        const torch::Tensor acts = readReferenceTensor(caseId, ref, "acts");
        const torch::Tensor grads = readReferenceTensor(caseId, ref, "grads");
        const torch::Tensor factor = 2 + acts.sum({2, 3}, true) * grads;
        return factor.masked_select(grads > 0).min().item<float>();
    };
    EXPECT_GE(margin("resnet18"), 1.0f);
    EXPECT_GE(margin("mobilenet_v3_large.features.16"), 1.0f);
    EXPECT_LT(margin("mobilenet_v3_large"), 0.5f) << "features.12 became well-conditioned: compare it end to end";
}

// Each layer method on exactly the reference's activations and gradients: the formulas alone.
TEST(AnalyzerReference, CamMethodsOnTheReferenceTensors)
{
    for (const std::string caseId : {"resnet18", "mobilenet_v3_large", "mobilenet_v3_large.features.16"}) {
        const QJsonObject ref = readReference(caseId);
        const std::string id = ref[QLatin1String("model")].toString().toStdString();
        const torch::Tensor acts = readReferenceTensor(caseId, ref, "acts");
        const torch::Tensor grads = readReferenceTensor(caseId, ref, "grads");
        const int crop = spec(id).preprocess.cropSize;
        auto input = test::readFloat32Tensor(kReferenceDir + "/" + caseId + ".input.f32", {1, 3, crop, crop});
        ASSERT_TRUE(input) << input.message();
        auto fixture = test::readModelFixture(id);
        ASSERT_TRUE(fixture) << fixture.message();
        auto net = createNetwork(id, 1000, Initialisation::Skip);
        ASSERT_TRUE(net) << net.message();
        ASSERT_TRUE(loadWeights(**net, fixture->weightsPath));

        CamContext context;
        context.activations = acts;
        context.gradients = grads;
        for (const auto& c : ref[QLatin1String("classes")].toArray())
            context.classes.push_back(c.toInt());
        context.network = net->get();
        context.input = *input;
        context.batchSize = 32;
        for (const std::string& method : toStrings(ref[QLatin1String("methods")].toArray())) {
            if (!findMethod(method)->usesCamLayer || isGuided(method))
                continue;  // input space: compared end to end
            if ((method == "scorecam" || method == "fasterscorecam") && id == "resnet18")
                continue;  // 512 (64) masked forwards; Resnet18EveryMethod already checks it end to end
            SCOPED_TRACE(caseId + " " + method);
            auto raw = createCamMethod(method)->compute(context);
            ASSERT_TRUE(raw) << raw.message();
            EXPECT_FALSE(raw->images.defined());
            const torch::Tensor grids =
                torch::relu(raw->maps).reshape({static_cast<int64_t>(context.classes.size()), -1});
            const QJsonArray refGrids = ref[QLatin1String("cams")]
                                            .toObject()[QString::fromStdString(method)]
                                            .toObject()[QLatin1String("grids")]
                                            .toArray();
            for (int k = 0; k < refGrids.size(); ++k) {
                const std::vector<float> expected = toFloats(refGrids[k].toArray());
                const float scale = *std::max_element(expected.begin(), expected.end());
                ASSERT_GT(scale, 0.0f);
                const torch::Tensor e = torch::tensor(expected);
                EXPECT_LE((grids[k] - e).abs().max().item<float>(), 1e-4f * scale) << "class #" << k;
            }
        }
    }
}

TEST(AnalyzerReference, Resnet18LayerStatisticsAndTiles)
{
    const QJsonObject ref = readReference("resnet18");
    const QJsonObject stats = ref[QLatin1String("stats")].toObject();
    const std::string tap = ref[QLatin1String("stats_tap")].toString().toStdString();
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    for (bool shared : {false, true}) {
        SCOPED_TRACE(shared ? "shared scale" : "per-channel scale");
        AnalysisOptions options;
        options.taps = {tap};
        options.tilesPerLayer = 16;
        options.sharedTileScale = shared;
        options.histogramBins = 64;
        auto result = analyzer.analyze(testImage(), options);
        ASSERT_TRUE(result) << result.message();
        ASSERT_EQ(result->layers.size(), 1u);
        const LayerResult& layer = result->layers[0];
        EXPECT_EQ(layer.name, tap);
        const QJsonArray shape = stats[QLatin1String("shape")].toArray();
        ASSERT_EQ(layer.shape, (std::vector<int64_t>{shape[0].toInt(), shape[1].toInt(), shape[2].toInt()}));
        const int64_t area = layer.shape[1] * layer.shape[2];

        const std::vector<float> mean = toFloats(stats[QLatin1String("mean")].toArray()),
                                 max = toFloats(stats[QLatin1String("max")].toArray()),
                                 sparsity = toFloats(stats[QLatin1String("sparsity")].toArray());
        const QJsonArray dead = stats[QLatin1String("dead")].toArray();
        ASSERT_EQ(layer.channels.size(), mean.size());
        int refDead = 0;
        for (size_t c = 0; c < mean.size(); ++c) {
            EXPECT_NEAR(layer.channels[c].mean, mean[c], 1e-4f * (1 + std::abs(mean[c]))) << c;
            EXPECT_NEAR(layer.channels[c].max, max[c], 1e-4f * (1 + std::abs(max[c]))) << c;
            EXPECT_NEAR(layer.channels[c].sparsity, sparsity[c], 2.0f / area) << c;
            EXPECT_EQ(layer.channels[c].dead, dead[static_cast<int>(c)].toBool()) << c;
            refDead += dead[static_cast<int>(c)].toBool() ? 1 : 0;
        }
        EXPECT_EQ(layer.deadChannels, refDead);
        EXPECT_NEAR(layer.sparsity, stats[QLatin1String("layer_sparsity")].toDouble(), 1e-4);
        EXPECT_GT(layer.sparsity, 0.05f) << "a ReLU output should have zeros; the statistic would prove nothing";
        EXPECT_NEAR(layer.histogramMin, stats[QLatin1String("hist_min")].toDouble(), 1e-4);
        EXPECT_NEAR(layer.histogramMax, stats[QLatin1String("hist_max")].toDouble(), 1e-4);
        const std::vector<float> hist = toFloats(stats[QLatin1String("histogram")].toArray());
        ASSERT_EQ(layer.histogram.size(), hist.size());
        for (size_t b = 0; b < hist.size(); ++b)
            EXPECT_NEAR(layer.histogram[b], hist[b], std::max(2.0f, 0.005f * hist[b])) << "bin " << b;

        ASSERT_EQ(layer.tiles.size(), 16u);
        for (size_t i = 1; i < layer.tiles.size(); ++i)
            EXPECT_GE(layer.tiles[i - 1].mean, layer.tiles[i].mean);
        const QJsonArray order = stats[QLatin1String("tile_order")].toArray();
        ASSERT_EQ(layer.tiles[0].channel, order[0].toInt());
        const QImage& tile = layer.tiles[0].image;
        ASSERT_EQ(tile.format(), QImage::Format_Grayscale8);
        ASSERT_EQ(tile.width(), layer.shape[2]);
        ASSERT_EQ(tile.height(), layer.shape[1]);
        const QJsonArray pixels = stats[QLatin1String(shared ? "tile0_shared" : "tile0")].toArray();
        int worst = 0;
        for (int y = 0; y < tile.height(); ++y)
            for (int x = 0; x < tile.width(); ++x)
                worst = std::max(worst, std::abs(tile.constScanLine(y)[x] - pixels[y * tile.width() + x].toInt()));
        EXPECT_LE(worst, 1);
    }
}

// The layer summaries are one pass of ConvLens's own (zero counts, histogram, tiles): they must equal what torch's
// count_nonzero, histc and the tile expression give on the same activations, byte for byte and count for count.
TEST(Analyzer, LayerSummariesEqualTorchsOwnReductionsOnEveryTap)
{
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    AnalysisOptions options;
    options.keepActivations = true;
    options.tilesPerLayer = 16;
    options.histogramBins = 64;
    for (bool shared : {false, true}) {
        options.sharedTileScale = shared;
        auto result = analyzer.analyze(testImage(), options);
        ASSERT_TRUE(result) << result.message();
        ASSERT_GE(result->layers.size(), 5u);
        for (const LayerResult& layer : result->layers) {
            SCOPED_TRACE(layer.name + (shared ? " shared" : " own"));
            ASSERT_EQ(layer.shape.size(), 3u);
            const int64_t channels = layer.shape[0], h = layer.shape[1], w = layer.shape[2];
            const torch::Tensor t =
                torch::from_blob(const_cast<float*>(layer.activations.data()), {channels, h, w}, torch::kFloat32);
            const torch::Tensor flat = t.reshape({channels, -1});
            const torch::Tensor zeros = h * w - torch::count_nonzero(flat, c10::optional<int64_t>(1));
            int64_t layerZeros = 0;
            for (int64_t c = 0; c < channels; ++c) {
                const int64_t z = zeros[c].item<int64_t>();
                layerZeros += z;
                ASSERT_EQ(layer.channels[c].sparsity, static_cast<float>(z) / static_cast<float>(h * w)) << c;
            }
            EXPECT_EQ(layer.sparsity, static_cast<float>(layerZeros) / static_cast<float>(t.numel()));
            const float lo = t.min().item<float>(), hi = t.max().item<float>();
            EXPECT_EQ(layer.histogramMin, lo);
            EXPECT_EQ(layer.histogramMax, hi);
            const torch::Tensor hist = torch::histc(t, 64, lo, hi > lo ? hi : lo + 1.0f);
            ASSERT_EQ(layer.histogram.size(), 64u);
            for (int b = 0; b < 64; ++b)
                ASSERT_EQ(layer.histogram[b], hist[b].item<float>()) << "bin " << b;
            ASSERT_EQ(layer.tiles.size(), static_cast<size_t>(std::min<int64_t>(16, channels)));
            for (const ChannelTile& tile : layer.tiles) {
                const torch::Tensor map = t[tile.channel];
                const float mapLo = shared ? lo : map.min().item<float>();
                const float mapHi = shared ? hi : map.max().item<float>();
                ASSERT_GT(mapHi, mapLo) << "a constant map is drawn black; this test wants drawn ones";
                const torch::Tensor bytes =
                    ((map - mapLo) / (mapHi - mapLo) * 255.0f).round_().clamp_(0, 255).to(torch::kUInt8).contiguous();
                ASSERT_EQ(tile.image.format(), QImage::Format_Grayscale8);
                for (int y = 0; y < tile.image.height(); ++y)
                    ASSERT_EQ(std::memcmp(tile.image.constScanLine(y), bytes.data_ptr<uint8_t>() + y * w,
                                          static_cast<size_t>(w)),
                              0)
                        << "tile of channel " << tile.channel << ", row " << y;
            }
        }
    }
}

// The batched pass runs only the explained classes' rows of the final Linear layer (ResNet's fc; MobileNet V3's
// classifier Sequential: Linear, Hardswish, Dropout, Linear). Its gradients equal K separate full backward passes.
TEST(ClassGradients, OneBatchedPassEqualsSeparateBackwardPasses)
{
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"resnet18", {"layer3.1", "layer4.1"}}, {"mobilenet_v3_large", {"features.12", "features.16"}}};
    for (const auto& [model, layers] : cases) {
        auto fixture = test::readModelFixture(model);
        ASSERT_TRUE(fixture) << fixture.message();
        auto net = createNetwork(model, 1000, Initialisation::Skip);
        ASSERT_TRUE(net) << net.message();
        ASSERT_TRUE(loadWeights(**net, fixture->weightsPath));
        auto input = test::readFloat32Tensor(fixture->inputPath, fixture->inputShape);
        ASSERT_TRUE(input) << input.message();
        const torch::Tensor x = input->slice(0, 0, 1);
        for (const std::string& layer : layers) {
            const int block = (*net)->blockIndex(layer);
            ASSERT_GE(block, 0) << model << " " << layer;
            torch::Tensor activation;
            {
                torch::NoGradGuard noGrad;
                activation = (*net)->forwardTo(block, x);
            }
            const std::vector<int64_t> classes = {3, 917, 3, 42};  // a repeated class must work too
            const torch::Tensor batched = classGradients(**net, block, activation, classes);
            ASSERT_EQ(batched.size(0), 4);
            for (size_t k = 0; k < classes.size(); ++k) {
                const torch::Tensor leaf = activation.detach().clone().requires_grad_(true);
                (*net)->forwardFrom(block, leaf)[0][classes[k]].backward();
                const float diff = (batched[k] - leaf.grad()[0]).abs().max().item<float>();
                EXPECT_LE(diff, 1e-5f * std::max(1.0f, leaf.grad().abs().max().item<float>()))
                    << model << " " << layer << " k=" << k;
                EXPECT_GT(leaf.grad().abs().max().item<float>(), 0.0f);
            }
        }
    }
}

// At each network's default CAM layer (just before its global average pool) the backward pass starts from the
// pooled vector (Block::globalAveragePool). The gradients equal, bit for bit, those of the plain batched backward
// through every block after the layer (the K copies of the feature map, kept in the network's memory layout —
// ConvNeXt's is channels-last —, the pool and all 1000 logits). MobileNet V3's are within rounding: its hidden
// classifier layer computes one row as a matrix-vector product (SharedRowsLinear), which rounds differently from
// the plain pass's 3-row product.
TEST(ClassGradients, StartingAfterTheGlobalPoolEqualsThePlainBatchedPass)
{
    for (const std::string& id : architectureIds()) {
        auto net = createNetwork(spec(id), Initialisation::Skip);
        ASSERT_TRUE(net) << net.message();
        const int block = (*net)->blockIndex(spec(id).camTarget);
        ASSERT_GE(block, 0) << id;
        ASSERT_TRUE((*net)->blocks()[static_cast<size_t>(block) + 1].globalAveragePool)
            << id << ": the block after " << spec(id).camTarget << " is not the global pool";
        torch::manual_seed(5);
        torch::Tensor activation;
        {
            torch::NoGradGuard noGrad;
            activation = (*net)->forwardTo(block, torch::randn({1, 3, 224, 224}));
        }
        ASSERT_EQ(activation.dim(), 4) << id;
        const std::vector<int64_t> classes = {7, 0, 999};
        const torch::Tensor fast = classGradients(**net, block, activation, classes);
        // The pool's output handed in (as the analyzer does from its recorded forward pass) changes nothing.
        torch::Tensor pooled;
        {
            torch::NoGradGuard noGrad;
            pooled = (*net)->blocks()[static_cast<size_t>(block) + 1].run(activation);
        }
        EXPECT_TRUE(classGradients(**net, block, activation, classes, pooled).equal(fast)) << id;

        const torch::Tensor leaf = activation.detach()
                                       .repeat({3, 1, 1, 1})
                                       .contiguous(activation.suggest_memory_format())
                                       .requires_grad_(true);
        {
            torch::AutoGradMode enableGrad(true);
            const torch::Tensor logits = (*net)->forwardFrom(block, leaf);
            logits.gather(1, torch::tensor(classes).view({3, 1})).sum().backward();
        }
        const torch::Tensor plain = leaf.grad();
        ASSERT_EQ(fast.sizes(), plain.sizes()) << id;
        EXPECT_EQ(fast.stride(2), 0) << id << ": the backward pass did not start after the pool";
        EXPECT_GT(plain.abs().max().item<float>(), 0.0f) << id;
        if (id.rfind("mobilenet_v3", 0) == 0)
            expectClose(fast, plain, 1e-6f);
        else
            EXPECT_TRUE(fast.equal(plain)) << id << ": differs by up to " << (fast - plain).abs().max().item<float>();
    }
}

// The head's backward product for a few rows (SharedRowsLinear): torch::mm's values within float rounding, for
// every K up to 8 (and torch::mm itself beyond), weight rows not a multiple of the 4-row step, and the same bits
// on one thread and on two.
TEST(ClassGradients, FewRowsTimesEqualsTheMatrixProductOnAnyThreadCount)
{
    const int threads = at::get_num_threads();
    torch::manual_seed(11);
    for (const int64_t k : {1, 3, 8, 9}) {
        for (const auto& [n, m] : std::vector<std::pair<int64_t, int64_t>>{{1280, 960}, {67, 301}, {3, 5}}) {
            SCOPED_TRACE(std::to_string(k) + "x" + std::to_string(n) + " times " + std::to_string(n) + "x" +
                         std::to_string(m));
            const torch::Tensor rows = torch::randn({k, n});
            const torch::Tensor weight = torch::randn({n, m});
            at::set_num_threads(2);
            const torch::Tensor two = fewRowsTimes(rows, weight);
            at::set_num_threads(1);
            const torch::Tensor one = fewRowsTimes(rows, weight);
            at::set_num_threads(threads);
            expectClose(two, rows.mm(weight), 1e-5f);
            EXPECT_TRUE(one.equal(two));
        }
    }
    EXPECT_THROW(fewRowsTimes(torch::ones({2, 3}), torch::ones({4, 5})), c10::Error);
}

// Another CAM layer (or method, or class) for the same image reuses the last forward pass: no stage "forward"
// runs, and the result equals a fresh analysis exactly. Another image runs the forward pass again.
TEST(Analyzer, AnotherCamLayerOfTheSameImageReusesTheForwardPassAndEqualsAFreshAnalysis)
{
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    AnalysisOptions options;
    options.methods = {"gradcam", "layercam"};
    options.topK = 2;
    auto stagesOf = [&](const QImage& image, const AnalysisOptions& o, Expected<AnalysisResult>& out) {
        std::set<std::string> stages;
        out = analyzer.analyze(image, o, nullptr, [&](double, const std::string& stage) { stages.insert(stage); });
        return stages;
    };
    Expected<AnalysisResult> first = makeError(ErrorKind::Internal, "not run");
    EXPECT_TRUE(stagesOf(testImage(), options, first).count("forward"));
    ASSERT_TRUE(first) << first.message();
    EXPECT_EQ(first->timingsMs.count("forward reused"), 0u);

    options.camLayer = "layer3";
    Expected<AnalysisResult> second = makeError(ErrorKind::Internal, "not run");
    const std::set<std::string> stages = stagesOf(testImage(), options, second);
    ASSERT_TRUE(second) << second.message();
    EXPECT_EQ(stages.count("forward"), 0u) << "the whole network ran again";
    EXPECT_EQ(stages.count("reusing the forward pass"), 1u);
    ASSERT_EQ(second->timingsMs.count("forward reused"), 1u);
    EXPECT_NEAR(second->timingsMs.at("forward reused"), first->timingsMs.at("forward"), first->timingsMs.at("forward"));
    EXPECT_EQ(second->cams.front().layer, "layer3.1");

    auto fresh = fixtureAnalyzer("resnet18").analyze(testImage(), options);
    ASSERT_TRUE(fresh) << fresh.message();
    EXPECT_EQ(second->prediction.logits, fresh->prediction.logits);
    ASSERT_EQ(second->cams.size(), fresh->cams.size());
    for (size_t i = 0; i < fresh->cams.size(); ++i) {
        EXPECT_EQ(second->cams[i].grid, fresh->cams[i].grid) << i;
        EXPECT_EQ(second->cams[i].faithfulness.maskedConfidence, fresh->cams[i].faithfulness.maskedConfidence) << i;
    }
    ASSERT_EQ(second->layers.size(), fresh->layers.size());
    for (size_t i = 0; i < fresh->layers.size(); ++i)
        EXPECT_EQ(second->layers[i].histogram, fresh->layers[i].histogram) << fresh->layers[i].name;

    // Other pixels where the crop keeps them (a corner may be cropped away: then the input is the same).
    QImage other = testImage();
    for (int y = other.height() / 2 - 10; y < other.height() / 2 + 10; ++y)
        for (int x = other.width() / 2 - 10; x < other.width() / 2 + 10; ++x)
            other.setPixelColor(x, y, QColor(255, 0, 255));
    Expected<AnalysisResult> third = makeError(ErrorKind::Internal, "not run");
    EXPECT_TRUE(stagesOf(other, options, third).count("forward")) << "another image needs its own forward pass";
    ASSERT_TRUE(third) << third.message();
}

TEST(Analyzer, CancelDuringScoreCamStops)
{
    Analyzer analyzer = fixtureAnalyzer("resnet18");
    AnalysisOptions options;
    options.methods = {"scorecam"};
    options.topK = 1;
    options.scoreCamBatch = 32;  // 512 channels: 16 batches
    std::atomic<bool> cancel = false;
    int batchesDone = 0;
    auto result = analyzer.analyze(testImage(), options, &cancel, [&](double, const std::string& stage) {
        if (stage != "cam scorecam")
            return;
        // The first call enters the stage; each further call reports one finished batch.
        if (++batchesDone >= 3)
            cancel = true;
    });
    ASSERT_FALSE(result);
    EXPECT_EQ(result.kind(), ErrorKind::Cancelled);
    EXPECT_NE(result.message().find("cancelled"), std::string::npos) << result.message();
    EXPECT_EQ(batchesDone, 3) << "Score-CAM must stop at the next batch after the flag is raised";
}

// OpenMP keeps the intra-op thread count per thread, and the JobService runs analyses on reused pool threads: the
// count set on another thread must apply on a fresh pool thread (which otherwise starts at OpenMP's default,
// OMP_NUM_THREADS=2 under ctest) and again on that thread after it changes. The counts alternate so that every
// check would fail if that inference did not apply the count itself.
TEST(InferenceThreads, AnalysisAndPredictionApplyTheCountOnTheirOwnThread)
{
    auto analyzer = Analyzer::create(spec("resnet18"), QString());
    auto predictor = Predictor::create(spec("resnet18"), QString());
    ASSERT_TRUE(analyzer) << analyzer.message();
    ASSERT_TRUE(predictor) << predictor.message();
    QImage image(64, 48, QImage::Format_RGB888);
    image.fill(Qt::gray);
    AnalysisOptions options;
    options.taps = {"layer4.1"};

    QThreadPool pool;
    pool.setMaxThreadCount(1);
    pool.setExpiryTimeout(-1);  // one pool thread for every task, as the JobService reuses its threads
    struct Observed {
        std::thread::id thread;
        int threads = 0;  // at::get_num_threads() on that thread: inside analyze(), or after predict()
    };
    auto onPool = [&](std::function<int()> work) {
        auto done = std::make_shared<std::promise<Observed>>();
        std::future<Observed> observed = done->get_future();
        pool.start([work = std::move(work), done] { done->set_value({std::this_thread::get_id(), work()}); });
        return observed.get();
    };
    auto analyse = [&] {
        int during = 0;
        // Read at the first report (the analysis reuses its forward pass the second time: no "forward" stage).
        auto r = analyzer->analyze(image, options, nullptr, [&](double, const std::string&) {
            if (during == 0)
                during = at::get_num_threads();
        });
        EXPECT_TRUE(r) << r.message();
        return during;
    };
    auto predict = [&] {
        auto p = predictor->predict(image, 3);
        EXPECT_TRUE(p) << p.message();
        return at::get_num_threads();
    };

    setInferenceThreads(1);
    const Observed first = onPool(analyse);
    EXPECT_EQ(first.threads, 1);

    setInferenceThreads(3);  // on this thread, after the pool thread has run an analysis
    const Observed analysed = onPool(analyse);
    EXPECT_EQ(analysed.thread, first.thread) << "the pool did not reuse its thread; the test would prove nothing";
    EXPECT_EQ(analysed.threads, 3);

    setInferenceThreads(1);
    const Observed predicted = onPool(predict);
    EXPECT_EQ(predicted.thread, first.thread);
    EXPECT_EQ(predicted.threads, 1);
    EXPECT_EQ(inferenceThreads(), 1);
}

// The automatic count (the default) leaves the cores other programs keep busy: with every core taken by a busy
// process, an inference runs on one thread, on the thread that runs it. A fixed count is kept whatever the load,
// and so is OMP_NUM_THREADS (a user's or a cluster job's own choice; ctest sets it to 2, so it is unset here).
TEST(InferenceThreads, TheAutomaticCountLeavesTheCoresOtherProgramsKeepBusy)
{
    const QByteArray ompNumThreads = qgetenv("OMP_NUM_THREADS");
    qunsetenv("OMP_NUM_THREADS");
    auto predictor = Predictor::create(spec("resnet18"), QString());
    ASSERT_TRUE(predictor) << predictor.message();
    QImage image(64, 48, QImage::Format_RGB888);
    image.fill(Qt::gray);
    const int before = at::get_num_threads();
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    EXPECT_EQ(setInferenceThreads(0), cores);
    EXPECT_TRUE(inferenceThreadsAutomatic());
    std::vector<std::unique_ptr<QProcess>> busy;
    for (int i = 0; i < cores; ++i) {
        busy.push_back(std::make_unique<QProcess>());
        busy.back()->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), QStringLiteral("while :; do :; done")});
        ASSERT_TRUE(busy.back()->waitForStarted());
    }
    applyInferenceThreads();  // the look the next one measures from
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    int during = 0;
    std::thread([&] {
        auto p = predictor->predict(image, 3);
        EXPECT_TRUE(p) << p.message();
        during = at::get_num_threads();
    }).join();
    EXPECT_EQ(during, 1) << "other programs kept " << otherProgramsBusyCores() << " of " << cores << " cores busy";
    EXPECT_EQ(inferenceThreads(), 1);
    // OpenBLAS (LibTorch's Linear layers) follows, where it is LibTorch's BLAS.
    using GetThreads = int (*)();
    if (const auto blasThreads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
        EXPECT_EQ(blasThreads(), 1);
    }

    setInferenceThreads(2);
    EXPECT_FALSE(inferenceThreadsAutomatic());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::thread([&] {
        EXPECT_TRUE(predictor->predict(image, 3));
        during = at::get_num_threads();
    }).join();
    EXPECT_EQ(during, 2) << "a fixed count is kept beside busy programs";
    if (const auto blasThreads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
        EXPECT_EQ(blasThreads(), 2);
    }

    qputenv("OMP_NUM_THREADS", "2");
    setInferenceThreads(0);
    EXPECT_TRUE(inferenceThreadsAutomatic());
    std::thread([&] {
        EXPECT_TRUE(predictor->predict(image, 3));
        during = at::get_num_threads();
    }).join();
    EXPECT_EQ(during, 2) << "OMP_NUM_THREADS is kept beside busy programs";
    if (ompNumThreads.isNull())
        qunsetenv("OMP_NUM_THREADS");
    else
        qputenv("OMP_NUM_THREADS", ompNumThreads);
    for (auto& process : busy) {
        process->kill();
        process->waitForFinished();
    }
    setInferenceThreads(before);
}
