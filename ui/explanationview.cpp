#include "ui/explanationview.h"

#include "core/inspect/camscale.h"
#include "core/inspect/guidedimage.h"
#include "core/inspect/methodcatalogue.h"
#include "ui/colorbarwidget.h"
#include "ui/overlayview.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace convlens {

ExplanationView::ExplanationView(QLabel* banner, QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->setSpacing(6);
    mOverlay = new OverlayView(this);
    mOverlay->setPlaceholder(tr("Drop a photo or a folder here, or use File ▸ Open."));
    // The colour bar on a row of its own, as wide as the image area allows up to a readable length, so a long
    // caption never squeezes it.
    auto* legend = new QHBoxLayout;
    mColorBar = new ColorBarWidget(this);
    mColorBar->setLabels(tr("low"), tr("high"));
    mColorBar->setMinimumWidth(140);
    mColorBar->setMaximumWidth(420);
    mColorBar->hide();  // until there is a map to read it against
    legend->addStretch(1);
    legend->addWidget(mColorBar, 4);
    legend->addStretch(1);
    mCaption = new QLabel(this);
    mCaption->setWordWrap(true);
    mCaption->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    mCaption->setTextFormat(Qt::RichText);
    mCaption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mStale = new QLabel(this);
    mStale->setWordWrap(true);
    mStale->setAlignment(Qt::AlignHCenter);
    mStale->setStyleSheet(QStringLiteral("color: palette(mid); font-style: italic;"));
    mStale->hide();
    banner->setParent(this);
    layout->addWidget(banner);
    layout->addWidget(mStale);
    layout->addWidget(mOverlay, 1);
    layout->addLayout(legend);
    layout->addWidget(mCaption);
}

void ExplanationView::showResult(const ResultPtr& result, const QString& method, int classIndex, bool oneScale,
                                 bool partial)
{
    if (!result) {
        mCaption->clear();
        mColorBar->hide();
        return;
    }
    const CamResult* cam = result->findCam(method, classIndex);
    if (!cam) {
        // The session has asked for this method's maps; the photo shows meanwhile.
        mOverlay->setImage(result->input);
        mOverlay->setHeatmap({}, 0);
        mColorBar->hide();
        mCaption->setText(partial ? tr("%1 is being computed…").arg(methodName(method))
                                  : tr("No %1 map for this class yet.").arg(methodName(method)));
        return;
    }
    if (!cam->guided.empty()) {
        // Input-space explanations are images of their own, shown instead of the photo and its overlay.
        mOverlay->setImage(guidedImage(*cam));
        mOverlay->setHeatmap({}, 0);
    } else {
        mOverlay->setImage(result->input);
        if (oneScale) {
            std::vector<const CamResult*> cams;
            for (const CamResult& other : result->cams)
                if (other.method == cam->method)
                    cams.push_back(&other);
            mOverlay->setHeatmap(scaledHeatmap(*cam, sharedCamScale(cams)), cam->heatmapSize);
        } else {
            mOverlay->setHeatmap(cam->heatmap, cam->heatmapSize);
        }
    }
    mColorBar->setVisible(cam->guided.empty());
    const QString label = QString::fromStdString(cam->label).toHtmlEscaped();
    const QString layer = QString::fromStdString(cam->layer).toHtmlEscaped();
    const QString what =
        mapDependsOnClass(method)
            ? tr("<b>%1</b> for <b>%2</b> at <code>%3</code>").arg(methodName(method), label, layer)
            : tr("<b>%1</b> at <code>%2</code> (the same map for every class)").arg(methodName(method), layer);
    QString caption = tr("%1 &nbsp;·&nbsp; %2").arg(what, faithfulnessText(*cam, method, partial));
    if (method == QLatin1String("integratedgradients"))
        caption += tr(" &nbsp;·&nbsp; convergence δ %1 (attributions' sum − the logit's change; near 0: converged)")
                       .arg(cam->convergenceDelta, 0, 'g', 3);
    mCaption->setText(caption);
}

QString ExplanationView::faithfulnessText(const CamResult& cam, const QString& method, bool measuring)
{
    const Faithfulness& f = cam.faithfulness;
    if (!f.measured)
        return measuring ? tr("faithfulness is being measured…") : tr("faithfulness not measured");
    const QString confidence =
        mapDependsOnClass(method)
            ? tr("confidence")
            : tr("confidence in <b>%1</b>").arg(QString::fromStdString(cam.label).toHtmlEscaped());
    QString text = tr("%1 %2 → %3 on image × map (%4)")
                       .arg(confidence)
                       .arg(f.confidence, 0, 'f', 3)
                       .arg(f.maskedConfidence, 0, 'f', 3)
                       .arg(f.increase > 0 ? tr("increase") : tr("drop %1").arg(f.drop, 0, 'f', 3));
    const RoadScores& road = cam.road;
    if (road.measured && !road.mostRelevantFirst.empty()) {
        const auto mean = [](const std::vector<float>& v) {
            double sum = 0.0;
            for (float x : v)
                sum += x;
            return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
        };
        text += tr(" · ROAD %1 (confidence change removing the most relevant pixels %2, the least %3)")
                    .arg(road.combined, 0, 'f', 3)
                    .arg(mean(road.mostRelevantFirst), 0, 'f', 3)
                    .arg(mean(road.leastRelevantFirst), 0, 'f', 3);
    }
    return text;
}

QString ExplanationView::caption() const
{
    return mCaption->text();
}

void ExplanationView::setCaption(const QString& text)
{
    mCaption->setText(text.toHtmlEscaped());
}

bool ExplanationView::mapDependsOnClass(const QString& method)
{
    return method != QStringLiteral("eigencam");
}

void ExplanationView::setStale(const QString& note)
{
    mStale->setText(note);
    mStale->setVisible(!note.isEmpty());
    // Dimmed, not hidden: the last map stays readable while the next one is computed.
    mOverlay->setDimmed(!note.isEmpty());
}

bool ExplanationView::isStale() const
{
    return !mStale->isHidden();
}

QString ExplanationView::staleNote() const
{
    return mStale->text();
}

void ExplanationView::clear()
{
    mOverlay->setHeatmap({}, 0);
    mColorBar->hide();
    mCaption->clear();
}

void ExplanationView::setPlaceholder(const QString& text)
{
    mOverlay->setPlaceholder(text);
}

void ExplanationView::setColormap(Colormap map)
{
    mOverlay->setColormap(map);
    mColorBar->setColormap(map);
}

void ExplanationView::setOpacity(float opacity)
{
    mOverlay->setOpacity(opacity);
}

}  // namespace convlens
