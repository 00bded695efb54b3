// convlens: the desktop application. Command-line arguments open images or folders and pick what is shown;
// --screenshots runs the screenshot tour and exits.
#include "core/common/cpupolicy.h"
#include "core/inspect/methodcatalogue.h"
#include "ui/mainwindow.h"
#include "ui/screenshottour.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QEvent>
#include <QIcon>
#include <QTimer>

#include <chrono>
#include <cstdio>

namespace {

// For the start-up benchmark (tests/bench/startup_bench.cpp): on the window's first paint event, prints
// "first-paint <steady clock in ns>" (the system-wide monotonic clock, which the benchmark also reads when it
// spawns the program) and quits.
class QuitAfterFirstPaint : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && !mPainted) {
            mPainted = true;
            const auto now = std::chrono::steady_clock::now().time_since_epoch();
            std::printf("first-paint %lld\n",
                        static_cast<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()));
            std::fflush(stdout);
            // Queued: the rest of the window is painted in the same pass first.
            QTimer::singleShot(0, qApp, &QCoreApplication::quit);
        }
        return QObject::eventFilter(watched, event);
    }

private:
    bool mPainted = false;
};

}  // namespace

int main(int argc, char* argv[])
{
    convlens::applyWaitPolicy(argv);  // first: it may execute the program again (core/common/cpupolicy.h)
    convlens::applyAllocatorPolicy();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("ConvLens"));
    QApplication::setOrganizationName(QStringLiteral("ConvLens"));
    QApplication::setApplicationVersion(QStringLiteral(CONVLENS_VERSION));
    // The installed menu entry (packaging/convlens.desktop): Wayland compositors find the window's icon through it.
    QGuiApplication::setDesktopFileName(QStringLiteral("convlens"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/convlens/convlens.png")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("ConvLens: what ImageNet CNNs see."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("paths"), QStringLiteral("Images or folders to open."),
                                 QStringLiteral("[IMAGE|FOLDER...]"));
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model id to start with."),
                                   QStringLiteral("ID"));
    const QCommandLineOption method(
        QStringLiteral("method"),
        QStringLiteral("Heatmap method (%1).").arg(QString::fromStdString(convlens::methodIdList())),
        QStringLiteral("METHOD"));
    const QCommandLineOption layer(QStringLiteral("layer"), QStringLiteral("Block whose feature maps are shown."),
                                   QStringLiteral("BLOCK"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QStringLiteral("Compare these models (comma-separated ids)."),
                                     QStringLiteral("IDS"));
    const QCommandLineOption registry(QStringLiteral("registry"),
                                      QStringLiteral("A user registry with models of your own."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption screenshots(
        QStringLiteral("screenshots"),
        QStringLiteral("Save screenshots of the main view, diagram, feature maps and compare mode to DIR, then exit."),
        QStringLiteral("DIR"));
    QCommandLineOption quitAfterFirstPaint(QStringLiteral("quit-after-first-paint"),
                                           QStringLiteral("Print the time of the window's first paint and quit."));
    quitAfterFirstPaint.setFlags(QCommandLineOption::HiddenFromHelp);  // for the start-up benchmark
    parser.addOptions({model, method, layer, compare, registry, screenshots, quitAfterFirstPaint});
    parser.process(app);

    convlens::MainWindowOptions options;
    options.userRegistry = parser.value(registry);
    options.openSampleOnFirstStart = parser.positionalArguments().isEmpty() && !parser.isSet(screenshots);
    convlens::MainWindow window(options);
    if (parser.isSet(quitAfterFirstPaint))
        window.installEventFilter(new QuitAfterFirstPaint(&window));
    window.showFitted();

    const QStringList compareIds = parser.value(compare).split(QLatin1Char(','), Qt::SkipEmptyParts);
    QObject::connect(&window, &convlens::MainWindow::ready, &window, [&] {
        if (parser.isSet(model))
            window.setModel(parser.value(model));
        if (parser.isSet(method))
            window.setMethod(parser.value(method));
        // The compare set first: a folder given runs as a batch over it.
        if (!parser.isSet(screenshots) && compareIds.size() >= 2)
            window.setCompareModels(compareIds);
        if (!parser.positionalArguments().isEmpty())
            window.openPaths(parser.positionalArguments());
        if (parser.isSet(layer) && !parser.isSet(screenshots))  // the tour selects it in its diagram step
            window.selectLayer(parser.value(layer));
    });

    if (parser.isSet(screenshots)) {
        auto* tour = new convlens::ScreenshotTour(&window, parser.value(screenshots), parser.value(layer), compareIds,
                                                  &window);
        QObject::connect(tour, &convlens::ScreenshotTour::finished, &app,
                         [](bool ok) { QApplication::exit(ok ? 0 : 1); });
        QObject::connect(&window, &convlens::MainWindow::ready, tour, &convlens::ScreenshotTour::start,
                         Qt::QueuedConnection);
    }
    return QApplication::exec();
}
