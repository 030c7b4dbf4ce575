using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;

namespace ProtocolSdk.Samples.GameLobby;

/// <summary>The rooms of the lobby. A room exists while it has players and ticks while it exists.</summary>
public sealed class Lobby : IDisposable
{
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    /// <param name="time">The clock the rooms tick on (a fake clock in tests).</param>
    /// <param name="tickInterval">Time between two state broadcasts; default 100 ms (10 ticks per second).</param>
    public Lobby(TimeProvider time, TimeSpan? tickInterval = null)
    {
        _time = time;
        TickInterval = tickInterval ?? TimeSpan.FromMilliseconds(100);
    }

    public TimeSpan TickInterval { get; }

    public int RoomCount
    {
        get { lock (_rooms) return _rooms.Count; }
    }

    public Room Join(string roomName, Player player)
    {
        lock (_rooms)
        {
            if (!_rooms.TryGetValue(roomName, out var room))
            {
                room = new Room(roomName, this, _time, TickInterval);
                _rooms.Add(roomName, room);
            }
            room.Add(player);
            return room;
        }
    }

    internal void Leave(Room room, Player player)
    {
        lock (_rooms)
        {
            if (room.Remove(player) == 0)
            {
                _rooms.Remove(room.Name);
                room.Dispose();
            }
        }
    }

    public void Dispose()
    {
        lock (_rooms)
        {
            foreach (var room in _rooms.Values) room.Dispose();
            _rooms.Clear();
        }
    }
}

/// <summary>One player as the room sees it: a name, a position, and where to send state.</summary>
public sealed class Player(string name, Transport transport)
{
    public string Name { get; } = name;
    public Transport Transport { get; } = transport;
    public int X { get; set; }
    public int Y { get; set; }

    /// <summary>Snapshots not sent because the player's output was still backed up (state supersedes state: skip, never queue).</summary>
    public long SkippedSnapshots;
}

/// <summary>
/// A room broadcasts the state of all its players every tick, from one timer on the lobby's clock. A snapshot
/// replaces the previous one, so a player whose output is still backed up (slow link, or the write throttle holding
/// bytes back) skips this tick instead of queueing stale state: memory per player stays bounded.
/// </summary>
public sealed class Room : IDisposable
{
    /// <summary>Output still buffered for a player above which the current snapshot is skipped for that player.</summary>
    public const int SkipAboveBufferedBytes = 4 * 1024;

    private readonly List<Player> _players = new();
    private readonly Lobby _lobby;
    private readonly ITimer _timer;
    private long _tick;

    internal Room(string name, Lobby lobby, TimeProvider time, TimeSpan interval)
    {
        Name = name;
        _lobby = lobby;
        _timer = time.CreateTimer(static state => ((Room)state!).Tick(), this, interval, interval);
    }

    public string Name { get; }

    public long Ticks => Interlocked.Read(ref _tick);

    internal void Add(Player player)
    {
        lock (_players) _players.Add(player);
    }

    internal int Remove(Player player)
    {
        lock (_players)
        {
            _players.Remove(player);
            return _players.Count;
        }
    }

    public void Leave(Player player) => _lobby.Leave(this, player);

    private void Tick()
    {
        long tick = Interlocked.Increment(ref _tick);
        Player[] players;
        lock (_players) players = _players.ToArray();
        if (players.Length == 0) return;

        var line = new StringBuilder("STATE ").Append(tick.ToString(CultureInfo.InvariantCulture));
        foreach (var p in players)
        {
            line.Append(' ').Append(p.Name).Append('=').Append(p.X.ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(p.Y.ToString(CultureInfo.InvariantCulture));
        }
        byte[] snapshot = Encoding.UTF8.GetBytes(line.Append("\r\n").ToString());
        foreach (var p in players)
        {
            if (p.Transport.BufferedBytes > SkipAboveBufferedBytes)
            {
                Interlocked.Increment(ref p.SkippedSnapshots);
                continue;
            }
            p.Transport.Write(snapshot);
        }
    }

    public void Dispose() => _timer.Dispose();
}
