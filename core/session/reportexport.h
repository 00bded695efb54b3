#pragma once
// What File ▸ Export Report… writes, as plain data: which page (the report card of the shown map, a full A4 page
// with every map of the result, the methods grid as a page, the compare view as a page), PNG or PDF, a PNG page's
// resolution, which sections a page has, and whether the header names the checkpoint's whole path. The window's
// ReportExportDialog edits one; AnalysisSession::exportReport carries it out (core/report draws the pages).
//
// ReportLook is what only the window knows and a report shows as the window does: the colormap and opacity of the
// view controls, the banner over the map, whether the compare view puts all models on one scale.

#include "core/report/colormap.h"

#include <QString>

namespace convlens {

struct ReportExport {
    enum class Page {
        Card,         // the shown map, predictions and one layer's tiles on one image (PNG)
        FullPage,     // an A4 page: every map of the result, per top class
        MethodsGrid,  // an A4 page of the methods grid's methods, per top class
        Compare,      // an A4 page of the compare view's models
    };
    Page page = Page::Card;
    bool pdf = false;  // else PNG
    int dpi = 150;     // a PNG page's resolution (the card has its own size)
    bool predictions = true;
    bool maps = true;
    bool featureMaps = true;
    bool fullPaths = false;

    // "png" or "pdf".
    QString suffix() const { return pdf ? QStringLiteral("pdf") : QStringLiteral("png"); }
};

struct ReportLook {
    Colormap colormap = Colormap::Jet;
    float opacity = 0.5f;
    QString banner;                  // over the card's map (e.g. untrained weights); empty: none
    bool compareSharedScale = true;  // the compare page's maps on one scale, as the compare view shows them
};

}  // namespace convlens
