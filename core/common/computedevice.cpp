#include "core/common/computedevice.h"

#include "core/common/torchdevice.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace convlens {

namespace {

std::mutex gMutex;
c10::Device gDevice(c10::DeviceType::CPU);

std::string canonicalName(const c10::Device& device)
{
    return device.is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(device.index());
}

int cudaDevices()
{
    try {
        return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
    } catch (const std::exception&) {
        return 0;  // a broken driver is "no CUDA" here, not a crash
    }
}

}  // namespace

std::vector<std::string> availableComputeDevices()
{
    std::vector<std::string> devices = {"cpu"};
    const int count = cudaDevices();
    for (int i = 0; i < count; ++i)
        devices.push_back("cuda:" + std::to_string(i));
    return devices;
}

Expected<std::string> setComputeDevice(const std::string& asked)
{
    std::string name = asked;
    name.erase(name.begin(), std::find_if(name.begin(), name.end(), [](unsigned char c) { return !std::isspace(c); }));
    name.erase(std::find_if(name.rbegin(), name.rend(), [](unsigned char c) { return !std::isspace(c); }).base(),
               name.end());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });

    auto unknown = [&]() {
        return makeError(ErrorKind::BadInput, "unknown device '" + asked + "': use cpu, cuda or cuda:N");
    };
    c10::Device device(c10::DeviceType::CPU);
    if (name == "cpu") {
        device = c10::Device(c10::DeviceType::CPU);
    } else if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
        int index = 0;
        if (name != "cuda") {
            const std::string digits = name.substr(5);
            if (digits.empty() || digits.size() > 3 ||
                !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
                return unknown();
            index = std::stoi(digits);
        }
        const int count = cudaDevices();
        if (count == 0)
            return makeError(ErrorKind::BadInput,
                             "device '" + asked + "' is not available: " +
                                 (torch::cuda::is_available()
                                      ? std::string("no CUDA device was found")
                                      : std::string("this build of LibTorch has no CUDA support (or no CUDA driver "
                                                    "was found); build against a LibTorch with CUDA, see the README")));
        if (index >= count)
            return makeError(ErrorKind::BadInput, "device '" + asked + "' is not available: this machine has " +
                                                      std::to_string(count) + " CUDA device" +
                                                      (count == 1 ? "" : "s") + " (cuda:0 to cuda:" +
                                                      std::to_string(count - 1) + ")");
        device = c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index));
    } else {
        return unknown();
    }
    std::lock_guard<std::mutex> lock(gMutex);
    gDevice = device;
    return canonicalName(device);
}

std::string computeDevice()
{
    std::lock_guard<std::mutex> lock(gMutex);
    return canonicalName(gDevice);
}

c10::Device torchComputeDevice()
{
    std::lock_guard<std::mutex> lock(gMutex);
    return gDevice;
}

}  // namespace convlens
