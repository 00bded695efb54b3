#include "core/registry/modelregistry.h"

#include "core/common/boundedfile.h"
#include "core/common/datapaths.h"

#include <QStandardPaths>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

namespace convlens {

namespace {

namespace fs = std::filesystem;

constexpr int kRegistryVersion = 1;

// Limits no real registry reaches (the bundled one is 20 KB with 11 models and 7 categories), so that a hostile or
// broken file fails at once with a message instead of taking minutes or the stack.
constexpr qint64 kMaxRegistryBytes = 4 << 20;
constexpr qint64 kMaxLabelsBytes = 8 << 20;  // ImageNet-21k's 21,841 names are 0.5 MB
constexpr std::size_t kMaxModels = 500;
constexpr std::size_t kMaxCategories = 256;
constexpr int kMaxNesting = 64;      // flow collections ([ {) inside each other: yaml-cpp recurses per level
constexpr int kMaxIndentation = 512; // block nesting, in columns of indentation
// Larger inputs than this are a typo, not a model: they would only exhaust memory in preprocessing.
constexpr int kMaxImageSide = 4096;

// Thrown inside the reader, caught at loadFile: the first problem ends the load.
struct LoadFailure {
    std::string message;
};

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const std::string& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

// "preprocess.crop of resnet18"
std::string label(const std::string& field, const std::string& owner)
{
    return owner.empty() ? field : field + " of " + owner;
}

std::string describe(const YAML::Node& node)
{
    switch (node.Type()) {
        case YAML::NodeType::Null:
            return "nothing";
        case YAML::NodeType::Sequence:
            return "a list";
        case YAML::NodeType::Map:
            return "a mapping";
        case YAML::NodeType::Scalar:
            return "'" + node.Scalar() + "'";
        default:
            return "an undefined value";
    }
}

bool isLowerHex(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// The categories section and models, read one after the other; every check raises LoadFailure.
class Reader {
public:
    // `baseCategories`, when given, are known before the file's own (a user registry on top of the built-in one).
    explicit Reader(std::string path, const std::vector<CategorySpec>* baseCategories = nullptr)
        : mPath(std::move(path)), mBaseCategories(baseCategories)
    {
        std::error_code ec;
        const fs::path absolute = fs::absolute(fs::path(mPath), ec);
        mDir = (ec ? fs::path(mPath) : absolute).parent_path();
    }

    void read(const YAML::Node& root)
    {
        if (!root.IsMap())
            fail(root, "registry", "expected a mapping with version, categories and models, got " + describe(root));
        // A user registry may use the built-in categories instead of listing its own.
        const auto top = mBaseCategories ? fields(root, "", "", {"version", "models"}, {"categories"})
                                         : fields(root, "", "", {"version", "categories", "models"}, {});

        const YAML::Node& version = top.at("version");
        if (integer(version, "version") != kRegistryVersion)
            fail(version, "version",
                 "unsupported version " + version.Scalar() + " (this ConvLens reads version " +
                     std::to_string(kRegistryVersion) + ")");

        if (mBaseCategories)
            categories = *mBaseCategories;
        if (auto own = top.find("categories"); own != top.end())
            readCategories(own->second);

        const YAML::Node& models = top.at("models");
        if (!models.IsSequence() || models.size() == 0)
            fail(models, "models", "expected a non-empty list of models, got " + describe(models));
        if (models.size() > kMaxModels)
            fail(models, "models",
                 std::to_string(models.size()) + " models; a registry holds at most " + std::to_string(kMaxModels));
        for (std::size_t i = 0; i < models.size(); ++i)
            readModel(models[i], "models[" + std::to_string(i) + "]");
    }

    std::vector<CategorySpec> categories;
    std::vector<ModelSpec> models;

private:
    std::string mPath;
    fs::path mDir;
    const std::vector<CategorySpec>* mBaseCategories = nullptr;
    std::map<std::string, int> mIdLines;
    std::map<std::string, std::vector<std::string>> mLabelFiles;

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what, const std::string& problem) const
    {
        int line = -1;
        try {
            line = at.Mark().line;
        } catch (const YAML::Exception&) {
            // an invalid node has no position; the message still names the file and field
        }
        const std::string where = line >= 0 ? mPath + ":" + std::to_string(line + 1) : mPath;
        throw LoadFailure{where + ": " + what + ": " + problem};
    }

    // The values of mapping `node` by key, after checking that it has every required key, no other than the
    // required and optional ones, and none twice. `prefix` qualifies key names in messages ("weights.").
    std::map<std::string, YAML::Node> fields(const YAML::Node& node, const std::string& prefix,
                                             const std::string& owner, std::initializer_list<const char*> required,
                                             std::initializer_list<const char*> optional) const
    {
        const std::string self = prefix.empty() ? std::string("entry") : prefix.substr(0, prefix.size() - 1);
        if (!node.IsMap())
            fail(node, label(self, owner), "expected a mapping, got " + describe(node));
        std::vector<std::string> allowed(required.begin(), required.end());
        allowed.insert(allowed.end(), optional.begin(), optional.end());

        std::map<std::string, YAML::Node> values;
        for (auto it = node.begin(); it != node.end(); ++it) {
            // A copy: `*it` is a temporary pair of nodes, so a reference to its `first` would dangle.
            const YAML::Node key = it->first;
            const std::string name = key.IsScalar() ? key.Scalar() : describe(key);
            if (!key.IsScalar() || std::find(allowed.begin(), allowed.end(), name) == allowed.end())
                fail(key, label(prefix + name, owner), "unknown field (allowed: " + joined(allowed) + ")");
            if (values.count(name))
                fail(key, label(prefix + name, owner), "given twice");
            values.emplace(name, it->second);
        }
        for (const char* name : required) {
            if (!values.count(name))
                fail(node, label(prefix + name, owner), "missing (required field)");
        }
        return values;
    }

    std::string text(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsScalar())
            fail(node, what, "expected a string, got " + describe(node));
        if (node.Scalar().empty())
            fail(node, what, "must not be empty");
        return node.Scalar();
    }

    int integer(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsScalar())
            fail(node, what, "expected an integer, got " + describe(node));
        const std::string& s = node.Scalar();
        int value = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc() || end != s.data() + s.size() || s.empty())
            fail(node, what, "expected an integer, got " + describe(node));
        return value;
    }

    // from_chars, unlike strtod and streams, ignores the locale (a Qt application runs under the user's).
    double number(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsScalar())
            fail(node, what, "expected a number, got " + describe(node));
        const std::string& s = node.Scalar();
        double value = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc() || end != s.data() + s.size() || s.empty() || !std::isfinite(value))
            fail(node, what, "expected a number, got " + describe(node));
        return value;
    }

    std::vector<std::string> texts(const YAML::Node& node, const std::string& what) const
    {
        if (!node.IsSequence())
            fail(node, what, "expected a list of names, got " + describe(node));
        std::vector<std::string> out;
        for (std::size_t i = 0; i < node.size(); ++i)
            out.push_back(text(node[i], what));
        return out;
    }

    void readCategories(const YAML::Node& node)
    {
        if (!node.IsMap() || node.size() == 0)
            fail(node, "categories",
                 "expected a mapping of category name to colour (\"#rrggbb\"), got " + describe(node));
        if (node.size() > kMaxCategories)
            fail(node, "categories",
                 std::to_string(node.size()) + " categories; a registry holds at most " +
                     std::to_string(kMaxCategories));
        static const std::regex colour("#[0-9a-fA-F]{6}");
        for (auto it = node.begin(); it != node.end(); ++it) {
            const std::string name = text(it->first, "categories");
            const std::string what = "categories." + name;
            if (std::any_of(categories.begin(), categories.end(),
                            [&](const CategorySpec& c) { return c.name == name; }))
                fail(it->first, what, "given twice");
            if (!it->second.IsScalar() || !std::regex_match(it->second.Scalar(), colour))
                fail(it->second, what, "expected a colour \"#rrggbb\", got " + describe(it->second));
            categories.push_back({name, it->second.Scalar()});
        }
    }

    void readModel(const YAML::Node& node, const std::string& position)
    {
        // Name the entry by its id in messages once it has one.
        if (!node.IsMap())
            fail(node, position, "expected a mapping (one model), got " + describe(node));
        std::string owner = position;
        const YAML::Node id = node["id"];
        if (id.IsDefined() && id.IsScalar() && !id.Scalar().empty())
            owner = id.Scalar();
        const auto f = fields(node, "", owner,
                              {"id", "display_name", "family", "architecture", "weights", "num_classes", "labels",
                               "preprocess", "stages", "taps", "cam_target"},
                              {"batch_size"});
        ModelSpec spec;

        spec.id = text(f.at("id"), label("id", position));
        static const std::regex idPattern("[A-Za-z0-9_.-]+");
        if (!std::regex_match(spec.id, idPattern))
            fail(f.at("id"), label("id", position),
                 "'" + spec.id + "' may contain only letters, digits, '_', '-' and '.'");
        if (auto first = mIdLines.find(spec.id); first != mIdLines.end())
            fail(f.at("id"), "id",
                 "duplicate id '" + spec.id + "' (first at line " + std::to_string(first->second) + ")");
        mIdLines[spec.id] = f.at("id").Mark().line + 1;

        spec.displayName = text(f.at("display_name"), label("display_name", owner));
        spec.family = text(f.at("family"), label("family", owner));
        spec.architecture = text(f.at("architecture"), label("architecture", owner));
        const std::vector<std::string>& known = architectureIds();
        if (std::find(known.begin(), known.end(), spec.architecture) == known.end())
            fail(f.at("architecture"), label("architecture", owner),
                 "unknown architecture '" + spec.architecture + "' (known: " + joined(known) + ")");

        spec.weights = readWeights(f.at("weights"), owner);

        spec.numClasses = integer(f.at("num_classes"), label("num_classes", owner));
        if (spec.numClasses < 1)
            fail(f.at("num_classes"), label("num_classes", owner),
                 "must be at least 1, got " + std::to_string(spec.numClasses));

        if (const auto batch = f.find("batch_size"); batch != f.end()) {
            spec.batchSize = integer(batch->second, label("batch_size", owner));
            if (spec.batchSize < 1 || spec.batchSize > 256)
                fail(batch->second, label("batch_size", owner),
                     "must be from 1 to 256, got " + std::to_string(spec.batchSize));
        }

        readLabels(f.at("labels"), owner, spec);
        spec.preprocess = readPreprocess(f.at("preprocess"), owner);
        readStages(f.at("stages"), owner, spec);

        const YAML::Node& taps = f.at("taps");
        spec.taps = texts(taps, label("taps", owner));
        spec.camTarget = text(f.at("cam_target"), label("cam_target", owner));

        // Only now, with every field well formed, the references between them. Whether the stages list the
        // real network's blocks is checked where a network is built (checkBlocks, core/models/networkfactory.h).
        checkStages(f.at("stages"), owner, spec);
        std::set<std::string> seen;
        for (std::size_t i = 0; i < spec.taps.size(); ++i) {
            checkBlock(taps[i], label("taps", owner), owner, spec, spec.taps[i]);
            if (!seen.insert(spec.taps[i]).second)
                fail(taps[i], label("taps", owner), "'" + spec.taps[i] + "' is listed twice");
        }
        checkBlock(f.at("cam_target"), label("cam_target", owner), owner, spec, spec.camTarget);

        models.push_back(std::move(spec));
    }

    WeightsSpec readWeights(const YAML::Node& node, const std::string& owner) const
    {
        // `serialization` is accepted and ignored (see modelregistry.h): the checkpoint reader recognises the
        // format from the file itself.
        const auto f = fields(node, "weights.", owner, {}, {"file", "url", "sha256", "path", "serialization"});
        WeightsSpec weights;

        // A local checkpoint (weights.path, resolved like labels) needs no download name: `file` defaults to its
        // file name and need not carry a hash prefix.
        const auto path = f.find("path");
        if (path != f.end()) {
            const fs::path given(text(path->second, label("weights.path", owner)));
            weights.path = (given.is_absolute() ? given : mDir / given).lexically_normal().string();
        }
        const auto file = f.find("file");
        if (file == f.end() && path == f.end())
            fail(node, label("weights.file", owner), "missing (required field unless weights.path is given)");

        const std::string fileWhat = label("weights.file", owner);
        weights.file = file != f.end() ? text(file->second, fileWhat) : fs::path(weights.path).filename().string();
        // torch.hub's convention: the hex digits after the last '-' start the file's sha256.
        static const std::regex filePattern("[A-Za-z0-9_.+]+(?:-[A-Za-z0-9_.+]+)*-([0-9a-f]{6,64})\\.pth");
        std::smatch match;
        if (std::regex_match(weights.file, match, filePattern))
            weights.sha256Prefix = match[1];
        else if (path == f.end())
            fail(f.at("file"), fileWhat,
                 "'" + weights.file +
                     "' must be a file name ending in -<sha256 prefix>.pth (at least 6 lower-case hex digits), as "
                     "torchvision's are, e.g. resnet18-f37072fd.pth");
        else if (weights.file.empty() || weights.file.find('/') != std::string::npos)
            fail(file != f.end() ? file->second : path->second, fileWhat, "'" + weights.file + "' is not a file name");

        if (auto url = f.find("url"); url != f.end()) {
            const std::string what = label("weights.url", owner);
            weights.url = text(url->second, what);
            const std::string tail = "/" + weights.file;
            if (weights.url.rfind("https://", 0) != 0 || weights.url.size() <= tail.size() + 8 ||
                weights.url.compare(weights.url.size() - tail.size(), tail.size(), tail) != 0)
                fail(url->second, what,
                     "expected an https:// URL ending in /" + weights.file + ", got '" + weights.url + "'");
        }
        if (auto sha = f.find("sha256"); sha != f.end()) {
            const std::string what = label("weights.sha256", owner);
            weights.sha256 = lowered(text(sha->second, what));
            if (weights.sha256.size() != 64 || !isLowerHex(weights.sha256))
                fail(sha->second, what, "expected 64 hex digits, got '" + sha->second.Scalar() + "'");
            if (weights.sha256.rfind(weights.sha256Prefix, 0) != 0)
                fail(sha->second, what,
                     "does not start with the prefix '" + weights.sha256Prefix + "' of the file name " + weights.file);
        }
        return weights;
    }

    void readLabels(const YAML::Node& node, const std::string& owner, ModelSpec& spec)
    {
        const std::string what = label("labels", owner);
        const fs::path given(text(node, what));
        const fs::path resolved = (given.is_absolute() ? given : mDir / given).lexically_normal();
        spec.labelsFile = resolved.string();

        auto cached = mLabelFiles.find(spec.labelsFile);
        if (cached == mLabelFiles.end()) {
            std::error_code ec;
            if (!fs::exists(resolved, ec))
                fail(node, what, "labels file '" + spec.labelsFile + "' does not exist");
            // The one bounded reader: a FIFO, a device or a huge file behind the name fails at once.
            const auto content = readBoundedFile(QString::fromStdString(resolved.string()), kMaxLabelsBytes,
                                                 FileKind{QStringLiteral("a"), QStringLiteral("labels"),
                                                          QStringLiteral("labels files")});
            if (!content)
                fail(node, what, "labels file " + content.message());
            std::string data = content->toStdString();
            if (data.rfind("\xEF\xBB\xBF", 0) == 0)
                data.erase(0, 3);

            std::vector<std::string> names;
            std::size_t start = 0;
            while (start < data.size()) {
                std::size_t end = data.find('\n', start);
                if (end == std::string::npos)
                    end = data.size();
                std::string name = data.substr(start, end - start);
                if (!name.empty() && name.back() == '\r')
                    name.pop_back();
                if (std::any_of(name.begin(), name.end(), [](char c) { return (unsigned char)c < 0x20 && c != '\t'; }))
                    fail(node, what,
                         "labels file '" + spec.labelsFile + "' line " + std::to_string(names.size() + 1) +
                             " holds a control character; a labels file is text, one class name per line");
                if (name.find_first_not_of(" \t") == std::string::npos)
                    fail(node, what,
                         "labels file '" + spec.labelsFile + "' line " + std::to_string(names.size() + 1) +
                             " is empty (one class name per line)");
                names.push_back(std::move(name));
                start = end + 1;
            }
            cached = mLabelFiles.emplace(spec.labelsFile, std::move(names)).first;
        }
        if (int(cached->second.size()) != spec.numClasses)
            fail(node, what,
                 "labels file '" + spec.labelsFile + "' has " + std::to_string(cached->second.size()) +
                     " names, but num_classes is " + std::to_string(spec.numClasses));
        spec.labels = cached->second;
    }

    PreprocessSpec readPreprocess(const YAML::Node& node, const std::string& owner) const
    {
        const auto f = fields(node, "preprocess.", owner, {"resize", "crop", "interpolation", "mean", "std"}, {});
        PreprocessSpec p;

        const std::string resizeWhat = label("preprocess.resize", owner);
        const std::string cropWhat = label("preprocess.crop", owner);
        p.resizeSize = integer(f.at("resize"), resizeWhat);
        p.cropSize = integer(f.at("crop"), cropWhat);
        if (p.resizeSize < 1 || p.resizeSize > kMaxImageSide)
            fail(f.at("resize"), resizeWhat,
                 "must be between 1 and " + std::to_string(kMaxImageSide) + ", got " + std::to_string(p.resizeSize));
        if (p.cropSize < 1 || p.cropSize > p.resizeSize)
            fail(f.at("crop"), cropWhat,
                 "must be between 1 and resize (" + std::to_string(p.resizeSize) + "), got " +
                     std::to_string(p.cropSize));

        const std::string interpWhat = label("preprocess.interpolation", owner);
        const std::string interpolation = text(f.at("interpolation"), interpWhat);
        if (interpolation == "nearest")
            p.interpolation = Interpolation::Nearest;
        else if (interpolation == "bilinear")
            p.interpolation = Interpolation::Bilinear;
        else if (interpolation == "bicubic")
            p.interpolation = Interpolation::Bicubic;
        else
            fail(f.at("interpolation"), interpWhat,
                 "expected nearest, bilinear or bicubic, got '" + interpolation + "'");

        p.mean = triple(f.at("mean"), label("preprocess.mean", owner), false);
        p.std = triple(f.at("std"), label("preprocess.std", owner), true);
        return p;
    }

    std::array<float, 3> triple(const YAML::Node& node, const std::string& what, bool positive) const
    {
        if (!node.IsSequence() || node.size() != 3)
            fail(node, what,
                 "expected 3 numbers (one per RGB channel), got " +
                     (node.IsSequence() ? std::to_string(node.size()) + " values" : describe(node)));
        std::array<float, 3> out{};
        for (std::size_t i = 0; i < 3; ++i) {
            const double v = number(node[i], what);
            if (positive && v <= 0)
                fail(node[i], what, "must be greater than 0, got " + node[i].Scalar());
            // Pixels are divided by std in float: below 1e-6 (1e-300 becomes 0 in float) they turn infinite.
            if (positive && v < 1e-6)
                fail(node[i], what,
                     "must be at least 1e-6 (a smaller std makes every pixel infinite), got " + node[i].Scalar());
            if (std::abs(v) > 1e6)
                fail(node[i], what,
                     "must lie between -1e6 and 1e6 (images are normalised from 0..1), got " + node[i].Scalar());
            out[i] = float(v);
        }
        return out;
    }

    void readStages(const YAML::Node& node, const std::string& owner, ModelSpec& spec) const
    {
        if (!node.IsSequence() || node.size() == 0)
            fail(node, label("stages", owner), "expected a non-empty list of stages, got " + describe(node));
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string prefix = "stages[" + std::to_string(i) + "].";
            const auto f = fields(node[i], prefix, owner, {"name", "category", "blocks"}, {});
            StageSpec stage;
            stage.name = text(f.at("name"), label(prefix + "name", owner));
            if (spec.findStage(stage.name))
                fail(f.at("name"), label(prefix + "name", owner), "stage '" + stage.name + "' is given twice");
            stage.category = text(f.at("category"), label(prefix + "category", owner));
            if (std::none_of(categories.begin(), categories.end(),
                             [&](const CategorySpec& c) { return c.name == stage.category; })) {
                std::vector<std::string> names;
                for (const CategorySpec& c : categories)
                    names.push_back(c.name);
                fail(f.at("category"), label(prefix + "category", owner),
                     "unknown category '" + stage.category + "' (categories: " + joined(names) + ")");
            }
            stage.blocks = texts(f.at("blocks"), label(prefix + "blocks", owner));
            if (stage.blocks.empty())
                fail(f.at("blocks"), label(prefix + "blocks", owner), "a stage needs at least one block");
            spec.stages.push_back(std::move(stage));
        }
    }

    // Taps and the CAM target name blocks that the stages list (not stage names: the window shows them as
    // blocks).
    void checkBlock(const YAML::Node& at, const std::string& what, const std::string& owner, const ModelSpec& spec,
                    const std::string& block) const
    {
        if (!spec.stageOfBlock(block).empty())
            return;
        const std::string resolved = spec.resolveBlock(block);
        if (!resolved.empty())
            fail(at, what, "'" + block + "' is a stage, not a block (its last block is '" + resolved + "')");
        fail(at, what,
             "'" + block + "' is not a block of any stage of " + owner + " (blocks: " + joined(spec.blocks()) + ")");
    }

    // No block is listed twice, and a stage named after a block ends with it: a stage name used as a block
    // reference means the stage's last block (ModelSpec::resolveBlock), so both readings must agree.
    void checkStages(const YAML::Node& node, const std::string& owner, const ModelSpec& spec) const
    {
        std::map<std::string, std::string> stageOf;
        for (std::size_t s = 0; s < spec.stages.size(); ++s) {
            const StageSpec& stage = spec.stages[s];
            const YAML::Node& blocksNode = node[s]["blocks"];
            for (std::size_t b = 0; b < stage.blocks.size(); ++b) {
                const std::string& block = stage.blocks[b];
                if (auto other = stageOf.find(block); other != stageOf.end())
                    fail(blocksNode[b], label("stages[" + std::to_string(s) + "].blocks", owner),
                         "'" + block + "' is listed twice (also in stage " + other->second + ")");
                stageOf[block] = stage.name;
            }
        }
        for (std::size_t s = 0; s < spec.stages.size(); ++s) {
            const StageSpec& stage = spec.stages[s];
            if (spec.resolveBlock(stage.name) != stage.blocks.back())
                fail(node[s]["name"], label("stages[" + std::to_string(s) + "].name", owner),
                     "stage '" + stage.name + "' is named after a block but does not end with it (a stage name " +
                         "used as a block means the stage's last block)");
        }
    }
};

}  // namespace

Expected<ModelRegistry> ModelRegistry::loadFile(const std::string& path)
{
    return load(path, nullptr);
}

namespace {

// "LINE: ..." when `text` nests flow collections or block indentation deeper than any registry needs (yaml-cpp
// parses both recursively, so a file of "[[[[..." exhausts the stack); "" otherwise. Quoted strings and comments
// are skipped.
std::string nestingProblem(const QByteArray& text)
{
    int depth = 0;
    int line = 1;
    int column = 0;
    bool lineStart = true;
    char quote = 0;
    bool comment = false;
    for (int i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            column = 0;
            lineStart = true;
            comment = false;
            continue;
        }
        if (lineStart && c == ' ' && ++column > kMaxIndentation)
            return std::to_string(line) + ": nested too deeply (indented over " + std::to_string(kMaxIndentation) +
                   " columns)";
        if (c != ' ')
            lineStart = false;
        if (comment)
            continue;
        if (quote) {
            if (c == '\\' && quote == '"')
                ++i;
            else if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '"' || c == '\'')
            quote = c;
        else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t'))
            comment = true;
        else if ((c == '[' || c == '{') && ++depth > kMaxNesting)
            return std::to_string(line) + ": nested too deeply (over " + std::to_string(kMaxNesting) +
                   " levels of [ ] or { })";
        else if ((c == ']' || c == '}') && depth > 0)
            --depth;
    }
    return {};
}

// Receives a YAML stream's parse events and counts the documents that hold something (a stray "---" makes an
// empty one).
class DocumentCounter : public YAML::EventHandler {
public:
    int nonEmpty = 0;

    void OnDocumentStart(const YAML::Mark&) override { mTop = true; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override { mTop = false; }
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override { content(); }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { content(); }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override
    {
        content();
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override
    {
        content();
    }
    void OnMapEnd() override {}

private:
    void content()
    {
        if (mTop)
            ++nonEmpty;
        mTop = false;
    }
    bool mTop = false;
};

// The non-empty documents in `text`, reading at most `limit` documents. Throws YAML::ParserException.
int nonEmptyDocuments(const std::string& text, int limit)
{
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    for (int i = 0; i < limit && parser.HandleNextDocument(counter); ++i) {
    }
    return counter.nonEmpty;
}

}  // namespace

Expected<ModelRegistry> ModelRegistry::load(const std::string& path, const std::vector<CategorySpec>* baseCategories)
{
    std::error_code ec;
    if (!fs::exists(fs::path(path), ec))
        return makeError(ErrorKind::BadInput, path + ": model registry file does not exist");

    const auto text = readBoundedFile(
        QString::fromStdString(path), kMaxRegistryBytes,
        FileKind{QStringLiteral("a"), QStringLiteral("model registry"), QStringLiteral("model registries")});
    if (!text)
        return text.error();
    if (const std::string deep = nestingProblem(*text); !deep.empty())
        return makeError(ErrorKind::BadInput, path + ":" + deep);

    try {
        // A second document (two registries pasted together) would be dropped silently by YAML::Load.
        // (A stray "---" with nothing after it makes an empty document, which is harmless.)
        // Counted, not loaded with YAML::LoadAll: on a stray "]}" after a document yaml-cpp 0.7's LoadAll never
        // returns (its parser keeps yielding empty documents without advancing; fuzz_registry found it).
        const int documents = nonEmptyDocuments(text->toStdString(), 64);
        if (documents > 1)
            return makeError(ErrorKind::BadInput, path + ": holds " + std::to_string(documents) +
                                                      " YAML documents (separated by ---); a registry is one document, "
                                                      "with every model under one 'models' list");
        const YAML::Node root = YAML::Load(text->toStdString());
        Reader reader(path, baseCategories);
        reader.read(root);
        ModelRegistry registry;
        registry.mPath = path;
        registry.mCategories = std::move(reader.categories);
        registry.mModels = std::move(reader.models);
        return registry;
    } catch (const LoadFailure& failure) {
        return makeError(ErrorKind::BadInput, failure.message);
    } catch (const YAML::ParserException& e) {
        return makeError(ErrorKind::BadInput,
                         path + ":" + std::to_string(e.mark.line + 1) + ": malformed YAML: " + e.msg);
    } catch (const YAML::BadFile&) {
        return makeError(ErrorKind::BadInput, path + ": cannot read the model registry file");
    } catch (const YAML::Exception& e) {
        const std::string where = e.mark.is_null() ? path : path + ":" + std::to_string(e.mark.line + 1);
        return makeError(ErrorKind::BadInput, where + ": " + e.msg);
    } catch (const std::exception& e) {
        return makeError(ErrorKind::BadInput, path + ": " + e.what());
    }
}

Expected<ModelRegistry> ModelRegistry::loadDefault()
{
    return loadFile(defaultRegistryPath());
}

std::string ModelRegistry::defaultRegistryPath()
{
    return dataFile(QStringLiteral("model_registry.yaml")).toStdString();
}

std::string ModelRegistry::userRegistryPath()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation);
    return dir.isEmpty() ? std::string() : (dir + QStringLiteral("/models.yaml")).toStdString();
}

Expected<ModelRegistry> ModelRegistry::loadWithUser(const std::string& userPath)
{
    return loadMerged(defaultRegistryPath(), userPath);
}

Expected<ModelRegistry> ModelRegistry::loadMerged(const std::string& builtinPath, const std::string& userPath)
{
    Expected<ModelRegistry> builtin = loadFile(builtinPath);
    if (!builtin)
        return builtin;

    std::string user = userPath;
    if (user.empty()) {
        // The default user registry is optional; one named explicitly must exist.
        user = userRegistryPath();
        std::error_code ec;
        if (user.empty() || !fs::exists(fs::path(user), ec))
            return builtin;
    }
    Expected<ModelRegistry> added = load(user, &builtin->mCategories);
    if (!added)
        return makeError(added.kind(), added.message() + " (user model registry)");

    ModelRegistry merged = std::move(builtin.value());
    for (const ModelSpec& model : added->mModels) {
        if (merged.find(model.id))
            return makeError(ErrorKind::BadInput, user + ": id '" + model.id + "' is already a built-in model in " +
                                                      builtinPath + "; give the user model another id");
    }
    merged.mCategories = std::move(added->mCategories);  // the built-in ones first, then the user's own
    for (ModelSpec& model : added->mModels)
        merged.mModels.push_back(std::move(model));
    merged.mUserPath = user;
    return merged;
}

const ModelSpec* ModelRegistry::find(const std::string& id) const
{
    for (const ModelSpec& model : mModels) {
        if (model.id == id)
            return &model;
    }
    return nullptr;
}

Expected<const ModelSpec*> ModelRegistry::require(const std::string& id) const
{
    if (const ModelSpec* model = find(id))
        return model;
    std::string known;
    for (const ModelSpec& model : mModels)
        known += (known.empty() ? "" : ", ") + model.id;
    return makeError(ErrorKind::BadInput, "unknown model '" + id + "' (known: " + known + ")");
}

const CategorySpec* ModelRegistry::findCategory(const std::string& name) const
{
    for (const CategorySpec& category : mCategories) {
        if (category.name == name)
            return &category;
    }
    return nullptr;
}

}  // namespace convlens
