#pragma once
// ExemplarsDialog: a channel's dataset examples from the folder batch (core/batch/channelexemplars.h) — the images
// of the batch that excite the channel most, strongest first, each with its channel mean — shown beside the large
// channel view when a feature-map tile is clicked. "Export Sheet…" writes them as a PNG sheet
// (renderExemplarSheet, core/report/batchsheets.h). Clicking an image asks for it in the main view.
// Non-modal; the window keeps one and reuses it. GUI thread only.

#include "core/batch/channelexemplars.h"

#include <QDialog>
#include <QImage>
#include <QString>

#include <functional>

class QLabel;
class QListWidget;
class QPushButton;

namespace convlens {

class ExemplarsDialog : public QDialog {
    Q_OBJECT

public:
    using Thumbnail = std::function<QImage(const QString& file)>;  // a batch file's picture; may be null
    using PathOf = std::function<QString(const QString& file)>;    // a batch file's absolute path

    explicit ExemplarsDialog(QWidget* parent = nullptr);

    void setChannel(const ChannelExemplars& exemplars, int channel, const QString& modelName,
                    const Thumbnail& thumbnail, const PathOf& pathOf);
    int channel() const { return mChannel; }
    int exemplarCount() const;
    // Writes the sheet of the channel shown to `fileName` (PNG); false when it cannot be written.
    bool exportSheetTo(const QString& fileName) const;

Q_SIGNALS:
    void imageRequested(const QString& path);

private:
    void exportSheet();

    ChannelExemplars mExemplars;
    int mChannel = -1;
    Thumbnail mThumbnail;
    PathOf mPathOf;
    QLabel* mTitle = nullptr;
    QListWidget* mList = nullptr;
    QPushButton* mExport = nullptr;
};

}  // namespace convlens
