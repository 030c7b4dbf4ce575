using System.Threading;
using System.Threading.Tasks;

namespace ProtocolSdk.Redis.Internal;

internal static class TaskObservation
{
    /// <summary>
    /// Marks a fault of a task nobody awaits any more (a call we stopped waiting for) as observed, so it never surfaces
    /// as an UnobservedTaskException.
    /// </summary>
    public static void ObserveFault(Task task)
    {
        if (task.IsCompleted)
        {
            _ = task.Exception;
            return;
        }
        task.ContinueWith(static done => _ = done.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
