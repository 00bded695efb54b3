#pragma once
// ExplanationView: the main view's centre — the "untrained weights" banner, the image with the chosen method's
// map for the chosen class over it (or a guided method's own image), the colour bar and a line saying what the
// map is and how faithful it is, each on its own row (the colour bar keeps its width whatever the caption says). Shows
// a result; asks for nothing. GUI thread only.

#include "core/jobs/job.h"
#include "core/report/colormap.h"

#include <QWidget>

class QLabel;

namespace convlens {

class ColorBarWidget;
class OverlayView;

class ExplanationView : public QWidget {
    Q_OBJECT

public:
    // `banner` (the window's, hidden until a result has no checkpoint) is shown above the image.
    ExplanationView(QLabel* banner, QWidget* parent = nullptr);

    // `result`'s map of `method` for `classIndex`; with `oneScale`, scaled together with that method's maps of
    // every explained class (core/inspect/camscale.h). A null result clears the caption only.
    // `partial`: the result is not complete yet (faithfulness still to come).
    void showResult(const ResultPtr& result, const QString& method, int classIndex, bool oneScale,
                    bool partial = false);
    // No map and no caption (another model was chosen).
    void clear();
    void setPlaceholder(const QString& text);
    // Marks what is shown as not the current request's (a new image or model being analysed, a cancel, a
    // failure): the image is dimmed and `note` says what is shown; an empty note shows it as current again.
    void setStale(const QString& note);
    bool isStale() const;
    QString staleNote() const;
    void setColormap(Colormap map);
    void setOpacity(float opacity);

    OverlayView* overlay() const { return mOverlay; }
    ColorBarWidget* colorBar() const { return mColorBar; }
    QString caption() const;  // the line under the image, as rich text (tests)
    // Replaces the line under the image (plain text): what the view says when it has no map to show.
    void setCaption(const QString& text);

    // Whether `method`'s map changes with the class explained: every method but EigenCAM (the first principal
    // component of the layer's activations, whatever the class), so its caption names no class.
    static bool mapDependsOnClass(const QString& method);
    // "confidence 0.912 → 0.403 on image × map (drop 0.509)" (rich text): how faithful `cam` is; before it was
    // measured, "faithfulness is being measured…" when `measuring` (a partial result), else "not measured".
    static QString faithfulnessText(const CamResult& cam, const QString& method, bool measuring);

private:
    OverlayView* mOverlay = nullptr;
    ColorBarWidget* mColorBar = nullptr;
    QLabel* mCaption = nullptr;
    QLabel* mStale = nullptr;
};

}  // namespace convlens
