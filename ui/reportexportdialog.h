#pragma once
// ReportExportDialog: what File ▸ Export Report… writes — which page (the report card of the shown map, a full
// A4 page with every map of the result, the methods grid as a page, the compare view as a page), PNG or PDF, the
// resolution of a PNG page, which sections a page has, and whether the header names the checkpoint's whole path.
// The choice is plain data (ReportExport) that MainWindow::exportReportTo() carries out. GUI thread only.

#include <QDialog>

class QCheckBox;
class QComboBox;

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

class ReportExportDialog : public QDialog {
    Q_OBJECT

public:
    // `initial` preselected; pages that are not offered (no compare results, no grid) are disabled.
    ReportExportDialog(const ReportExport& initial, bool compareAvailable, bool gridAvailable,
                       QWidget* parent = nullptr);
    ReportExport choice() const;

private:
    void updateEnabled();

    QComboBox* mPage = nullptr;
    QComboBox* mFormat = nullptr;
    QComboBox* mDpi = nullptr;
    QCheckBox* mPredictions = nullptr;
    QCheckBox* mMaps = nullptr;
    QCheckBox* mFeatureMaps = nullptr;
    QCheckBox* mFullPaths = nullptr;
};

}  // namespace convlens
