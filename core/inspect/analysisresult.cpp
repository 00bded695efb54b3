#include "core/inspect/analysisresult.h"

#include <sstream>

namespace convlens {

namespace {

void appendList(std::ostringstream& out, const char* name, const std::vector<std::string>& items)
{
    out << name << '=';
    for (size_t i = 0; i < items.size(); ++i)
        out << (i ? "," : "") << items[i];
    out << ';';
}

}  // namespace

std::string AnalysisOptions::key() const
{
    // Field names keep the key readable in cache listings and make two lists of different fields unambiguous.
    std::ostringstream out;
    appendList(out, "taps", taps);
    out << "tiles=" << tilesPerLayer << ";shared=" << (sharedTileScale ? 1 : 0) << ";bins=" << histogramBins
        << ";topk=" << topK << ';';
    appendList(out, "methods", methods);
    out << "camlayer=" << camLayer << ";scorecambatch=" << scoreCamBatch;
    return out.str();
}

}  // namespace convlens
