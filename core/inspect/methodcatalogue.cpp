#include "core/inspect/methodcatalogue.h"

namespace convlens {

const std::vector<MethodInfo>& methodCatalogue()
{
    // id, name, description, needs gradients, explains at the input
    static const std::vector<MethodInfo> methods = {
        {"gradcam", QStringLiteral("Grad-CAM"),
         QStringLiteral("Channels weighted by their mean gradient (Selvaraju et al.)"), true, false},
        {"gradcampp", QStringLiteral("Grad-CAM++"),
         QStringLiteral("Grad-CAM with higher-order gradient weights; sharper for several objects"), true, false},
        {"xgradcam", QStringLiteral("XGrad-CAM"),
         QStringLiteral("Gradients weighted by the normalised activations (axiom-based Grad-CAM)"), true, false},
        {"layercam", QStringLiteral("LayerCAM"),
         QStringLiteral("Positive gradients times activations, position by position"), true, false},
        {"hirescam", QStringLiteral("HiResCAM"),
         QStringLiteral("Element-wise gradients times activations, faithful to the model's score"), true, false},
        {"eigencam", QStringLiteral("EigenCAM"),
         QStringLiteral("First principal component of the activations; class-agnostic, no gradients"), false,
         false},
        {"scorecam", QStringLiteral("Score-CAM"),
         QStringLiteral("Channels weighted by the score of the image masked with each of them; slow, no gradients"),
         false, false},
        {"guided", QStringLiteral("Guided backprop"),
         QStringLiteral("Input gradients through activations that pass only positive signals"), true, true},
        {"guidedgradcam", QStringLiteral("Guided Grad-CAM"),
         QStringLiteral("Guided backprop masked by the Grad-CAM map: fine detail of the class evidence"), true,
         true},
        {"gradinput", QStringLiteral("Gradient × Input"),
         QStringLiteral("The input's gradient times the input (Captum's InputXGradient); one backward pass per class"),
         true, true},
        {"integratedgradients", QStringLiteral("Integrated Gradients"),
         QStringLiteral("Gradients along the path from a mean-image baseline to the image, integrated (Captum's "
                        "flagship); 32 backward passes per class, slow"),
         true, true},
    };
    return methods;
}

const MethodInfo* findMethod(const std::string& id)
{
    for (const MethodInfo& method : methodCatalogue())
        if (method.id == id)
            return &method;
    return nullptr;
}

const MethodInfo* findMethod(const QString& id)
{
    return findMethod(id.toStdString());
}

QString methodName(const QString& id)
{
    const MethodInfo* method = findMethod(id);
    return method ? method->name : id;
}

QStringList methodIds()
{
    QStringList ids;
    for (const MethodInfo& method : methodCatalogue())
        ids << QString::fromStdString(method.id);
    return ids;
}

std::string methodIdList()
{
    std::string list;
    for (const MethodInfo& method : methodCatalogue())
        list += (list.empty() ? "" : ", ") + method.id;
    return list;
}

}  // namespace convlens
