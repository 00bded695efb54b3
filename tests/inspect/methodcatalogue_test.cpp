// The method catalogue (torch-free, read by the toolbar, the settings, the CLI and the report) and the engine's
// implementations describe the same methods: each listed id has one, with the gradients the catalogue says, and
// nothing else is accepted.
#include "core/inspect/cammethod.h"
#include "core/inspect/methodcatalogue.h"

#include <gtest/gtest.h>

#include <set>

namespace convlens {
namespace {

TEST(MethodCatalogue, EveryMethodHasItsImplementationWithTheSameFacts)
{
    ASSERT_EQ(methodCatalogue().size(), 13u);
    std::set<std::string> ids;
    std::set<QString> names;
    for (const MethodInfo& method : methodCatalogue()) {
        SCOPED_TRACE(method.id);
        EXPECT_TRUE(ids.insert(method.id).second) << "listed twice";
        EXPECT_TRUE(names.insert(method.name).second) << "display name used twice";
        EXPECT_FALSE(method.description.isEmpty());
        const auto implementation = createCamMethod(method.id);
        ASSERT_NE(implementation, nullptr);
        EXPECT_EQ(implementation->backpropagates(), method.needsGradients);
        EXPECT_EQ(implementation->explainsAtInput(), method.explainsAtInput);
        EXPECT_EQ(implementation->needsGradients(), method.needsCamGradients);
        EXPECT_EQ(implementation->needsGuidedGradients(), method.needsGuidedPass);
        EXPECT_EQ(implementation->usesCamLayer(), method.usesCamLayer);
        // A method that runs the network itself says so for the window's time estimate.
        if (method.id == "scorecam" || method.id == "fasterscorecam" || method.id == "occlusion" ||
            method.id == "integratedgradients") {
            EXPECT_FALSE(method.costNote.isEmpty());
        }
    }
    EXPECT_EQ(createCamMethod("gradkam"), nullptr);
}

TEST(MethodCatalogue, LooksUpByIdAndNamesWhatItDoesNotKnow)
{
    EXPECT_EQ(methodName(QStringLiteral("guidedgradcam")), QStringLiteral("Guided Grad-CAM"));
    EXPECT_EQ(methodName(QStringLiteral("eigencam")), QStringLiteral("EigenCAM"));
    EXPECT_EQ(methodName(QStringLiteral("nocam")), QStringLiteral("nocam"));
    EXPECT_EQ(findMethod(std::string("nocam")), nullptr);
    EXPECT_EQ(methodIds().front(), QStringLiteral("gradcam"));
    EXPECT_EQ(methodIdList(),
              "gradcam, gradcampp, xgradcam, layercam, hirescam, eigencam, scorecam, fasterscorecam, guided, guidedgradcam, "
              "gradinput, "
              "integratedgradients, occlusion");
}

}  // namespace
}  // namespace convlens
