#pragma once
// ReportExportDialog: what File ▸ Export Report… writes — which page (the report card of the shown map, a full
// A4 page with every map of the result, the methods grid as a page, the compare view as a page), PNG or PDF, the
// resolution of a PNG page, which sections a page has, and whether the header names the checkpoint's whole path.
// The choice is plain data (core/session/reportexport.h) that AnalysisSession::exportReport() carries out. GUI
// thread only.

#include "core/session/reportexport.h"

#include <QDialog>

class QCheckBox;
class QComboBox;

namespace convlens {

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
