// convlens-cli-engine: predict, analyze, batch and merge, started by convlens-cli (which replaces itself with this
// program), so that only these commands pay for loading LibTorch.
#include "app/cli.h"
#include "app/cliio.h"
#include "core/common/cpupolicy.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QLoggingCategory>

#include <cstring>
#include <memory>

int main(int argc, char* argv[])
{
    convlens::applyWaitPolicy(argv);  // first: it may execute the program again (core/common/cpupolicy.h)
    convlens::applyAllocatorPolicy();
    // batch and merge draw report pages and summaries with text, which needs a QGuiApplication; without a display
    // the offscreen platform does (no window is ever shown).
    const bool pages = argc > 1 && (std::strcmp(argv[1], "batch") == 0 || std::strcmp(argv[1], "merge") == 0);
    std::unique_ptr<QCoreApplication> app;
    if (pages) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        app = std::make_unique<QGuiApplication>(argc, argv);
    } else {
        app = std::make_unique<QCoreApplication>(argc, argv);
    }
    // Qt's image plugins warn about harmless details (libpng's "known incorrect sRGB profile") and repeat what the
    // image reader reports anyway, naming the file; only ConvLens's own messages are shown.
    QLoggingCategory::setFilterRules(QStringLiteral("qt.gui.imageio*=false"));
    convlens::cli::nameApplication(QStringLiteral(CONVLENS_VERSION));
    return convlens::cli::runAnalysis(QCoreApplication::arguments().mid(1));
}
