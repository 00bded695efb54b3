#include "ui/viewcontrols.h"

#include "core/inspect/methodcatalogue.h"

#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QToolBar>

#include <algorithm>

namespace convlens {

ViewControls::ViewControls(QToolBar* bar, const QString& colormap) : QObject(bar)
{
    auto label = [bar](const QString& text) {
        auto* l = new QLabel(text, bar);
        l->setContentsMargins(8, 0, 4, 0);
        bar->addWidget(l);
    };
    label(tr("Model"));
    mModel = new QComboBox(bar);
    mModel->setMinimumContentsLength(18);
    mModel->setToolTip(tr("The network that analyses the image"));
    bar->addWidget(mModel);
    connect(mModel, &QComboBox::activated, this,
            [this](int index) { Q_EMIT modelChosen(mModel->itemData(index).toString()); });

    label(tr("Method"));
    mMethod = new QComboBox(bar);
    for (const MethodInfo& method : methodCatalogue()) {
        mMethod->addItem(method.name, QString::fromStdString(method.id));
        mMethod->setItemData(mMethod->count() - 1, method.description, Qt::ToolTipRole);
    }
    connect(mMethod, &QComboBox::activated, this,
            [this](int index) { Q_EMIT methodChosen(mMethod->itemData(index).toString()); });
    bar->addWidget(mMethod);

    label(tr("Colormap"));
    mColormap = new QComboBox(bar);
    for (Colormap map : {Colormap::Jet, Colormap::Turbo, Colormap::Viridis, Colormap::Inferno})
        mColormap->addItem(convlens::colormapName(map), convlens::colormapName(map));
    showColormap(colormap);
    connect(mColormap, &QComboBox::currentIndexChanged, this, [this] { Q_EMIT colormapChanged(this->colormap()); });
    bar->addWidget(mColormap);

    label(tr("Opacity"));
    mOpacity = new QSlider(Qt::Horizontal, bar);
    mOpacity->setRange(0, 100);
    mOpacity->setValue(50);
    mOpacity->setFixedWidth(120);
    mOpacity->setToolTip(tr("Heatmap opacity"));
    connect(mOpacity, &QSlider::valueChanged, this, [this] { Q_EMIT opacityChanged(opacity()); });
    bar->addWidget(mOpacity);
}

void ViewControls::setModels(const std::vector<ModelSpec>& models)
{
    mModel->clear();
    for (const ModelSpec& model : models) {
        mModel->addItem(QString::fromStdString(model.displayName), QString::fromStdString(model.id));
        mModel->setItemData(mModel->count() - 1,
                            QStringLiteral("%1 · %2 family · %3 classes · %4 px")
                                .arg(QString::fromStdString(model.id), QString::fromStdString(model.family))
                                .arg(model.numClasses)
                                .arg(model.preprocess.cropSize),
                            Qt::ToolTipRole);
    }
}

void ViewControls::showModel(const QString& modelId)
{
    mModel->setCurrentIndex(std::max(0, mModel->findData(modelId)));
}

void ViewControls::showMethod(const QString& methodId)
{
    mMethod->setCurrentIndex(std::max(0, mMethod->findData(methodId)));
}

void ViewControls::showColormap(const QString& name)
{
    mColormap->setCurrentIndex(std::max(0, mColormap->findData(name)));
}

QString ViewControls::colormapName() const
{
    return mColormap->currentData().toString();
}

Colormap ViewControls::colormap() const
{
    return colormapFromName(colormapName()).value_or(Colormap::Jet);
}

float ViewControls::opacity() const
{
    return static_cast<float>(mOpacity->value()) / 100.0f;
}

}  // namespace convlens
