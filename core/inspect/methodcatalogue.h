#pragma once
// The heatmap methods ConvLens offers, once: id (what requests, the CLI and JSON say), display name, a one-line
// description, and the two facts the views need. The toolbar, the settings dialog, the CLI help, the report and
// the engine's "known methods" all read this list; the engine maps each id to its implementation
// (core/inspect/cammethod.cpp).
//
// Torch-free plain data; any thread.

#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace convlens {

struct MethodInfo {
    std::string id;           // "gradcam"
    QString name;             // "Grad-CAM"
    QString description;      // one line, for tooltips and --help
    bool needsGradients;      // runs a backward pass (everything but EigenCAM, Score-CAM and Occlusion)
    bool explainsAtInput;     // an image of its own at the input's resolution (guided methods), not a layer map
    bool needsCamGradients;   // uses the class gradients at the CAM layer (the analysis's "gradients" stage)
    bool needsGuidedPass;     // uses the guided backward pass to the input ("guided backprop" stage)
    bool usesCamLayer;        // its map is computed at the CAM layer (else at the input); the smoothing options
                              // (MethodOptions::augSmooth, eigenSmooth) apply to these
    // What makes it slow, for the window's "about 2 min" note ("%1" the CAM layer, "%2" its channels); empty for
    // the methods that only combine what the forward and backward passes left.
    QString costNote;
};

// Every method in menu order.
const std::vector<MethodInfo>& methodCatalogue();

// The method with this id, or nullptr.
const MethodInfo* findMethod(const std::string& id);
const MethodInfo* findMethod(const QString& id);

// The display name of `id`, or the id itself when unknown.
QString methodName(const QString& id);

// The ids in menu order.
QStringList methodIds();

// "gradcam, gradcampp, ..." for messages and help texts.
std::string methodIdList();

}  // namespace convlens
