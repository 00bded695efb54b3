#pragma once
// The pages of a batch: contact sheets (thumbnails with the top-1, the overlay when reports were made, and
// right/wrong when the truth is known), the summary page (accuracy table, confusion among the most confused
// classes, the failure cases), and a channel's dataset examples. PNG via QImage and PDF via QPdfWriter from one
// drawing function each, like the per-image report (reportpage.h).
//
// Plain QtGui; any thread, text needs a QGuiApplication. Writers fail with an Error (Internal) naming the file.

#include "core/batch/batchstats.h"
#include "core/batch/channelexemplars.h"
#include "core/common/expected.h"

#include <QDateTime>
#include <QImage>
#include <QRectF>
#include <QString>

#include <functional>
#include <vector>

namespace convlens {

struct ContactCell {
    QImage image;      // thumbnail or report cell (any size; drawn fitted)
    QString imageFile; // read (at the cell's size) when `image` is null: a sheet of hundreds of cells need not
                       // hold every picture while it is drawn
    QString file;      // the image's batch name
    QString caption;   // "tabby 87%"; for a failed image the error's first words
    int correct = -1;  // 1 right, 0 wrong, -1 unknown
    bool failed = false;
};

// Where the cells of contact sheets go (device pixels of an A4 page at `dpi`): cells fill rows of `columns`,
// as many rows as fit below the title; cell i is on page i / cellsPerPage.
struct ContactSheetLayout {
    QRectF page;
    QRectF content;
    QRectF title;
    int columns = 0;
    int rows = 0;
    int cellsPerPage = 0;
    int pages = 0;
    // The i-th cell on its page: the image square, and the two text lines below it.
    QRectF cellImage(int index) const;
    QRectF cellText(int index) const;
    double cellWidth = 0.0;
    double cellHeight = 0.0;
    double imageSide = 0.0;
    double gap = 0.0;
};
ContactSheetLayout layoutContactSheets(int cellCount, int columns, int dpi);

// Contact sheet pages (A4 portrait at `dpi`), `columns` cells a row, as many pages as the cells need.
// Page `page` (from 0) of the contact sheets of `cells`.
QImage renderContactSheet(const std::vector<ContactCell>& cells, const QString& title, int page, int columns = 6,
                          int dpi = 150);

std::vector<QImage> renderContactSheets(const std::vector<ContactCell>& cells, const QString& title, int columns = 6,
                                        int dpi = 150);

struct SummaryPageInfo {
    QString title;  // "Batch of 1,204 images — ResNet-50, MobileNet V2"
    QDateTime date;
    int images = 0;
    int failed = 0;
    std::vector<std::pair<std::string, QString>> models;  // id → display name
    std::vector<ModelAccuracy> accuracy;
    int disagreements = 0;
    // Thumbnail of a batch file for the failure cases; may return a null image.
    std::function<QImage(const QString& file)> thumbnail;
};

// The summary page (A4 portrait at `dpi`).
QImage renderSummaryPage(const SummaryPageInfo& info, int dpi = 150);

// Where the summary page puts its parts (device pixels at `dpi`), for tests: the accuracy table's rows (one per
// model in info.accuracy order) with their top-1 and top-5 cells.
struct SummaryTableRow {
    QRectF row;
    QRectF top1;
    QRectF top5;
};
struct SummaryLayout {
    QRectF page;
    QRectF content;
    QRectF title;
    QRectF counts;
    QRectF tableHeader;
    std::vector<SummaryTableRow> table;
};
SummaryLayout layoutSummaryPage(const SummaryPageInfo& info, int dpi);

// PDF writers: one page per image given, in order (contact sheets), or the summary page drawn as vectors.
Expected<void> writeSummaryPdf(const QString& fileName, const SummaryPageInfo& info);
Expected<void> writeContactSheetPdf(const QString& fileName, const std::vector<ContactCell>& cells,
                                    const QString& title, int columns = 6);

// Dataset examples of `channels` of a layer: one row per channel, its exemplars' thumbnails strongest first with
// their means.
QImage renderExemplarSheet(const ChannelExemplars& exemplars, const std::vector<int>& channels,
                           const std::function<QImage(const QString& file)>& thumbnail, int thumbSize = 96);

}  // namespace convlens
