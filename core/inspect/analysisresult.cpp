#include "core/inspect/analysisresult.h"

#include <QStringList>

#include <algorithm>
#include <sstream>

namespace convlens {

namespace {

void appendList(std::ostringstream& out, const char* name, const std::vector<std::string>& items)
{
    // Each item is length-prefixed, so names containing separators cannot make two lists collide.
    out << name << '=';
    for (const std::string& item : items)
        out << item.size() << ':' << item;
    out << ';';
}

}  // namespace

QString shapeText(const std::vector<int64_t>& shape, const QString& separator)
{
    QStringList parts;
    for (int64_t size : shape)
        parts << QString::number(size);
    return parts.join(separator);
}

const CamResult* AnalysisResult::findCam(const QString& method, int classIndex) const
{
    const std::string id = method.toStdString();
    for (const CamResult& cam : cams)
        if (cam.classIndex == classIndex && cam.method == id)
            return &cam;
    return nullptr;
}

std::string AnalysisOptions::key() const
{
    // Field names keep the key readable in cache listings and make two lists of different fields unambiguous.
    std::ostringstream out;
    appendList(out, "taps", taps);
    out << "tiles=" << tilesPerLayer << ";shared=" << (sharedTileScale ? 1 : 0) << ";bins=" << histogramBins
        << ";topk=" << topK << ';';
    appendList(out, "methods", methods);
    out << "camlayer=" << camLayer << ";scorecambatch=" << scoreCamBatch << ";camclasses=";
    for (int c : camClasses)
        out << c << ',';
    out << ";faith=" << (faithfulness ? 1 : 0);
    // A method's options only where it runs, so changing them keeps the other methods' results cached.
    const MethodOptions& m = methodOptions;
    const auto uses = [this](const char* id) { return std::find(methods.begin(), methods.end(), id) != methods.end(); };
    out << ";acts=" << (keepActivations ? 1 : 0);
    out << ";aug=" << (m.augSmooth ? 1 : 0) << ";eigen=" << (m.eigenSmooth ? 1 : 0) << ";road=" << (m.road ? 1 : 0);
    if (uses("integratedgradients"))
        out << ";igsteps=" << m.integratedGradientsSteps << ";igbase=" << m.integratedGradientsBaseline.size() << ':'
            << m.integratedGradientsBaseline;
    if (uses("occlusion"))
        out << ";occ=" << m.occlusionWindow << ',' << m.occlusionStride;
    return out.str();
}

}  // namespace convlens
