#include "core/inspect/methodcatalogue.h"

namespace convlens {

const std::vector<MethodInfo>& methodCatalogue()
{
    const auto layerMethod = [](const char* id, const char* name, const char* description, bool gradients) {
        return MethodInfo{.id = id,
                          .name = QString::fromUtf8(name),
                          .description = QString::fromUtf8(description),
                          .needsGradients = gradients,
                          .explainsAtInput = false,
                          .needsCamGradients = gradients,
                          .needsGuidedPass = false,
                          .usesCamLayer = true,
                          .costNote = {}};
    };
    const auto inputMethod = [](const char* id, const char* name, const char* description, const char* costNote) {
        return MethodInfo{.id = id,
                          .name = QString::fromUtf8(name),
                          .description = QString::fromUtf8(description),
                          .needsGradients = true,
                          .explainsAtInput = true,
                          .needsCamGradients = false,
                          .needsGuidedPass = false,
                          .usesCamLayer = false,
                          .costNote = QString::fromUtf8(costNote)};
    };
    static const std::vector<MethodInfo> methods = [&] {
        std::vector<MethodInfo> list = {
            layerMethod("gradcam", "Grad-CAM", "Channels weighted by their mean gradient (Selvaraju et al.)", true),
            layerMethod("gradcampp", "Grad-CAM++",
                        "Grad-CAM with higher-order gradient weights; sharper for several objects", true),
            layerMethod("xgradcam", "XGrad-CAM",
                        "Gradients weighted by the normalised activations (axiom-based Grad-CAM)", true),
            layerMethod("layercam", "LayerCAM", "Positive gradients times activations, position by position", true),
            layerMethod("hirescam", "HiResCAM",
                        "Element-wise gradients times activations, faithful to the model's score", true),
            layerMethod("eigencam", "EigenCAM",
                        "First principal component of the activations; class-agnostic, no gradients", false),
            layerMethod("scorecam", "Score-CAM",
                        "Channels weighted by the score of the image masked with each of them; slow, no gradients",
                        false),
        };
        list.back().costNote = QStringLiteral("one forward pass per channel of %1 (%2)");
        list.push_back(layerMethod("fasterscorecam", "Faster Score-CAM",
                                   "Score-CAM on the 64 channels whose maps vary most (tf-keras-vis's max_N): "
                                   "a fraction of its time, nearly its map",
                                   false));
        list.back().costNote = QStringLiteral("one forward pass for each of the 64 channels of %1 (of %2) that vary "
                                              "most");
        MethodInfo guided = inputMethod("guided", "Guided backprop",
                                        "Input gradients through activations that pass only positive signals",
                                        "a guided backward pass through the whole network per class");
        guided.needsGuidedPass = true;
        MethodInfo guidedGradCam =
            inputMethod("guidedgradcam", "Guided Grad-CAM",
                        "Guided backprop masked by the Grad-CAM map: fine detail of the class evidence",
                        "a guided backward pass through the whole network per class");
        guidedGradCam.needsGuidedPass = true;
        guidedGradCam.needsCamGradients = true;
        guidedGradCam.usesCamLayer = true;
        list.push_back(guided);
        list.push_back(guidedGradCam);
        list.push_back(inputMethod(
            "gradinput", "Gradient × Input",
            "The input's gradient times the input (Captum's InputXGradient); one backward pass per class",
            "a backward pass through the whole network per class"));
        list.push_back(inputMethod("integratedgradients", "Integrated Gradients",
                                   "Gradients along the path from a baseline (black, blurred or mean image) to the "
                                   "image, integrated (Captum's flagship); a backward pass per point and class, slow",
                                   "a forward and backward pass through the whole network per point of its path, "
                                   "for each class"));
        MethodInfo occlusion = inputMethod("occlusion", "Occlusion",
                                           "The score's drop when a window of the image is greyed out, slid over it "
                                           "(Captum's Occlusion); no gradients, slow",
                                           "one forward pass per position of its window");
        occlusion.needsGradients = false;
        occlusion.explainsAtInput = false;  // a map over the image like the CAMs', not an image of its own
        list.push_back(occlusion);
        return list;
    }();
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
